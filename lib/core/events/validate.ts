import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { EVENT_DEFINITIONS, EVENT_TYPES } from "./catalogue.ts";
import { type EventValidation, eventValidators, type TypeValidator } from "./dispatch.ts";

export type { EventValidation } from "./dispatch.ts";

const ajv = new Ajv({
  allErrors: true,
  strict: true,
  // anyOf branches name members defined by the enclosing object; strictRequired would refuse them.
  strictRequired: false,
  discriminator: true,
});
// ajv-formats is CommonJS; under Node's ESM interop its function is also its `default` member.
addFormats.default(ajv, ["date-time", "email", "uri"]);

const schemas = new Map<string, object>(
  EVENT_DEFINITIONS.map((definition) => [definition.type, definition.schema]),
);
const compiled = new Map<string, TypeValidator>();

/**
 * The compiled validator of a type. Each type is compiled on first use (some 10-30 ms) and kept:
 * a command that checks one event, or a cold Lambda, pays only for the types it meets. After
 * that a validation costs a few microseconds.
 */
function validatorOf(type: string): TypeValidator | undefined {
  let validator = compiled.get(type);
  if (validator === undefined) {
    const schema = schemas.get(type);
    if (schema === undefined) return undefined;
    const validate: ValidateFunction = ajv.compile(schema);
    validator = { validate, schema };
    compiled.set(type, validator);
  }
  return validator;
}

const compiling = eventValidators(EVENT_TYPES, validatorOf);

/**
 * Checks that `input` is an evidence event: an object whose `type` is known and which matches
 * that type's schema and rules. Unknown members are refused, never dropped; the input is never
 * changed. The event in a valid result is `input` itself, typed.
 *
 * @example
 * const result = validateEvent(JSON.parse(text));
 * if (!result.valid) for (const issue of result.issues) console.error(issue.message);
 */
export const validateEvent: (input: unknown) => EventValidation = compiling.validateEvent;

/**
 * Parses JSON text or UTF-8 bytes strictly (refusing duplicate members, lone surrogates,
 * integers beyond ±2^53, invalid UTF-8), then validates the result with {@link validateEvent}.
 * A parse refusal becomes one issue whose message starts with its code, e.g. `duplicate-key`.
 */
export const parseAndValidateEvent: (bytes: Uint8Array | string) => EventValidation =
  compiling.parseAndValidateEvent;
