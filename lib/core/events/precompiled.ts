/**
 * Event validation with the validators compiled ahead of time (generated/validators.js, written by
 * `npm run generate`): the same verdicts and issues as validate.ts, without loading Ajv's compiler
 * or TypeBox, and without compiling anything at start-up. Threads and processes that validate
 * many events of every type (the pack verifier's workers) load this entry point.
 */
import { type EventValidation, eventValidators, type TypeValidator } from "./dispatch.ts";
import { patterns, schemas, validators } from "./generated/validators.js";
import { registerPattern } from "./patterns.ts";

export type { EventValidation } from "./dispatch.ts";

for (const [pattern, text, lengthImplied] of patterns)
  registerPattern(pattern, text, lengthImplied);

/** Each type's validator and schema, paired once: looked up for every event validated. */
const byType = new Map<string, TypeValidator>();
for (const type of Object.keys(validators)) {
  const validate = validators[type];
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (validate !== undefined && schema !== undefined) byType.set(type, { validate, schema });
}

const precompiled = eventValidators(Object.keys(validators), (type) => byType.get(type));

/**
 * Checks that `input` is an evidence event: an object whose `type` is known and which matches
 * that type's schema and rules. Unknown members are refused, never dropped; the input is never
 * changed. The event in a valid result is `input` itself, typed.
 */
export const validateEvent: (input: unknown) => EventValidation = precompiled.validateEvent;

/**
 * Parses JSON text or UTF-8 bytes strictly, then validates the result with {@link validateEvent}.
 * A parse refusal becomes one issue whose message starts with its code, e.g. `duplicate-key`.
 */
export const parseAndValidateEvent: (bytes: Uint8Array | string) => EventValidation =
  precompiled.parseAndValidateEvent;
