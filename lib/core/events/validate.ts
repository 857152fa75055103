import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { CanonicalInputError, strictParse } from "../canonical/index.ts";
import { EVENT_DEFINITIONS, EVENT_TYPES, type EvidenceEvent } from "./catalogue.ts";
import type { EventDefinition } from "./envelope.ts";
import {
  describeFound,
  issue,
  issueFromParseError,
  issuesFromSchemaErrors,
  type ValidationIssue,
} from "./issues.ts";

/** The verdict on one event: the typed event, or every reason it was refused. */
export type EventValidation =
  | { readonly valid: true; readonly event: EvidenceEvent }
  | { readonly valid: false; readonly issues: ValidationIssue[] };

const ajv = new Ajv({
  allErrors: true,
  strict: true,
  // anyOf branches name members defined by the enclosing object; strictRequired would refuse them.
  strictRequired: false,
  discriminator: true,
});
// ajv-formats is CommonJS; under Node's ESM interop its function is also its `default` member.
addFormats.default(ajv, ["date-time", "email", "uri"]);

const definitions = new Map<string, EventDefinition>(
  EVENT_DEFINITIONS.map((definition) => [definition.type, definition]),
);
const validators = new Map<string, ValidateFunction>();

/**
 * The compiled validator of a type. Each type is compiled on first use (some 10-30 ms) and kept:
 * a command that checks one event, or a cold Lambda, pays only for the types it meets. After
 * that a validation costs a few microseconds.
 */
function validatorOf(definition: EventDefinition): ValidateFunction {
  let validate = validators.get(definition.type);
  if (validate === undefined) {
    validate = ajv.compile(definition.schema);
    validators.set(definition.type, validate);
  }
  return validate;
}

const KNOWN_TYPES = `one of the ${EVENT_TYPES.length} event types: ${EVENT_TYPES.map((type) => JSON.stringify(type)).join(", ")}`;

/**
 * Checks that `input` is an evidence event: an object whose `type` is known and which matches
 * that type's schema and rules. Unknown members are refused, never dropped; the input is never
 * changed. The event in a valid result is `input` itself, typed.
 *
 * @example
 * const result = validateEvent(JSON.parse(text));
 * if (!result.valid) for (const issue of result.issues) console.error(issue.message);
 */
export function validateEvent(input: unknown): EventValidation {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return refused([issue("$", "an object (an evidence event)", describeFound(input))]);
  }
  const type = (input as { type?: unknown }).type;
  const definition = typeof type === "string" ? definitions.get(type) : undefined;
  if (definition === undefined) {
    return refused([issue("$.type", KNOWN_TYPES, describeFound(type))]);
  }
  const validate = validatorOf(definition);
  if (!validate(input)) {
    return refused(issuesFromSchemaErrors(validate.errors ?? [], input, definition.schema));
  }
  const violations = definition.check(input as Record<string, unknown>);
  if (violations.length > 0) {
    return refused(violations.map((v) => issue(v.path, v.expected, v.found)));
  }
  return { valid: true, event: input as EvidenceEvent };
}

/**
 * Parses JSON text or UTF-8 bytes strictly (refusing duplicate members, lone surrogates,
 * integers beyond ±2^53, invalid UTF-8), then validates the result with {@link validateEvent}.
 * A parse refusal becomes one issue whose message starts with its code, e.g. `duplicate-key`.
 */
export function parseAndValidateEvent(bytes: Uint8Array | string): EventValidation {
  let parsed: unknown;
  try {
    parsed = strictParse(bytes);
  } catch (error) {
    if (error instanceof CanonicalInputError) return refused([issueFromParseError(error)]);
    throw error;
  }
  return validateEvent(parsed);
}

function refused(issues: ValidationIssue[]): EventValidation {
  return { valid: false, issues };
}
