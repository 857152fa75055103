import { CanonicalInputError, strictParse } from "../canonical/index.ts";
import type { EvidenceEvent } from "./catalogue.ts";
import {
  describeFound,
  issue,
  issueFromParseError,
  issuesFromSchemaErrors,
  type ValidationIssue,
} from "./issues.ts";
import { checkRules } from "./rules.ts";

/** The verdict on one event: the typed event, or every reason it was refused. */
export type EventValidation =
  | { readonly valid: true; readonly event: EvidenceEvent }
  | { readonly valid: false; readonly issues: ValidationIssue[] };

/** One schema error as Ajv reports it (compiled at run time or ahead of time). */
export interface SchemaError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

/** A validator compiled from one type's schema; `errors` holds why the last call refused. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: readonly SchemaError[] | null;
}

/** A type's validator and the schema it was compiled from. */
export interface TypeValidator {
  readonly validate: SchemaValidator;
  readonly schema: object;
}

/** The event validators over a set of compiled types. */
export interface EventValidators {
  validateEvent(input: unknown): EventValidation;
  parseAndValidateEvent(bytes: Uint8Array | string): EventValidation;
}

/**
 * Builds validateEvent and parseAndValidateEvent over `validatorOf`, which gives the compiled
 * validator of a known type and undefined for any other string.
 */
export function eventValidators(
  types: readonly string[],
  validatorOf: (type: string) => TypeValidator | undefined,
): EventValidators {
  const knownTypes = `one of the ${types.length} event types: ${types.map((type) => JSON.stringify(type)).join(", ")}`;

  function validateEvent(input: unknown): EventValidation {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      return refused([issue("$", "an object (an evidence event)", describeFound(input))]);
    }
    const type = (input as { type?: unknown }).type;
    const compiled = typeof type === "string" ? validatorOf(type) : undefined;
    if (typeof type !== "string" || compiled === undefined) {
      return refused([issue("$.type", knownTypes, describeFound(type))]);
    }
    const { validate, schema } = compiled;
    if (!validate(input)) {
      return refused(issuesFromSchemaErrors(validate.errors ?? [], input, schema));
    }
    const violations = checkRules(type, input);
    if (violations.length > 0) {
      return refused(violations.map((v) => issue(v.path, v.expected, v.found)));
    }
    return { valid: true, event: input as EvidenceEvent };
  }

  function parseAndValidateEvent(bytes: Uint8Array | string): EventValidation {
    let parsed: unknown;
    try {
      parsed = strictParse(bytes);
    } catch (error) {
      if (error instanceof CanonicalInputError) return refused([issueFromParseError(error)]);
      throw error;
    }
    return validateEvent(parsed);
  }

  return { validateEvent, parseAndValidateEvent };
}

function refused(issues: ValidationIssue[]): EventValidation {
  return { valid: false, issues };
}
