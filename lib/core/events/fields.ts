import { type Static, type TObject, type TSchema, type TUnsafe, Type } from "@sinclair/typebox";
import { registerPattern } from "./patterns.ts";

/**
 * The building blocks every event schema is made of. Every string has a length bound and every
 * array a size bound, so the schema alone refuses oversized or hostile input. The schemas keep to
 * keywords JSON Schema draft 4 knows (`enum`, not `const`), the dialect the EventBridge schema
 * registry accepts.
 */

/** Object schemas refuse unknown members: a typo must not pass as evidence. */
export const closed = { additionalProperties: false } as const;

interface PatternedOptions {
  readonly pattern: string;
  /** Read as "expected <description>". */
  readonly description: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** The description says how long a match is; true when the pattern alone bounds its length. */
  readonly lengthImplied?: boolean;
}

function patterned(options: PatternedOptions) {
  const { description, lengthImplied, ...schema } = options;
  registerPattern(options.pattern, description, lengthImplied ?? options.maxLength === undefined);
  return Type.String(schema);
}

/** A string that is one of `values`. */
export function OneOf<const V extends readonly [string, ...string[]]>(
  values: V,
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: "string", enum: [...values] });
}

/** A string that is exactly `value` (draft 4 has no `const`). */
export function Exactly<const V extends string>(value: V): TUnsafe<V> {
  return Type.Unsafe<V>({ type: "string", enum: [value] });
}

// Single-line text: no C0 controls, no DEL. Keeps terminal escapes and forged log lines out.
const SINGLE_LINE = "^[^\\u0000-\\u001f\\u007f]+$";
// Multi-line text: tab and newlines allowed, other controls refused.
const MULTI_LINE = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]+$";
registerPattern(SINGLE_LINE, "a single line of text without control characters");
registerPattern(MULTI_LINE, "text without control characters other than tab and newline");

/** A one-line label: a name, a title, an identifier chosen by a tool. */
export function Line(maxLength: number) {
  return Type.String({ minLength: 1, maxLength, pattern: SINGLE_LINE });
}

/** Free text that may span lines: a rationale, a justification, a reason. */
export function Prose(maxLength: number) {
  return Type.String({ minLength: 1, maxLength, pattern: MULTI_LINE });
}

/** The producer's event id, also the idempotency key. */
export const EventId = patterned({
  pattern: "^[A-Za-z0-9._:-]+$",
  description: "an event id made of letters, digits and . _ : -",
  minLength: 1,
  maxLength: 128,
});

/** `sha256:` and 64 lowercase hex digits. */
export const Digest = patterned({
  pattern: "^sha256:[0-9a-f]{64}$",
  description: "a string matching sha256:<64 lowercase hex>",
});

/** A git commit id: SHA-1 (40) or SHA-256 (64) object name, lowercase as git prints it. */
export const CommitId = patterned({
  pattern: "^(?:[0-9a-f]{40}|[0-9a-f]{64})$",
  description: "a git commit id of 40 or 64 lowercase hex digits",
});

/** A release id: safe in DynamoDB keys, S3 keys and URLs. */
export const ReleaseId = patterned({
  pattern: "^[A-Za-z0-9][A-Za-z0-9._:@+-]*$",
  description:
    "a release id made of letters, digits and . _ : @ + - (starting with a letter or digit)",
  minLength: 1,
  maxLength: 128,
});

/** An identifier a system assigned: an exception, a legal case, a deployment, a build. */
export const Reference = patterned({
  pattern: "^[A-Za-z0-9][A-Za-z0-9._:/#-]*$",
  description:
    "an identifier made of letters, digits and . _ : / # - (starting with a letter or digit)",
  minLength: 1,
  maxLength: 128,
});

/** A service, environment or similar short name. */
export const Name = patterned({
  pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$",
  description: "a name made of letters, digits and . _ - (starting with a letter or digit)",
  minLength: 1,
  maxLength: 64,
});

/** A source repository, e.g. `github.com/acme/payments-api`. */
export const RepositoryName = patterned({
  pattern: "^[A-Za-z0-9][A-Za-z0-9._/:@-]*$",
  description: "a repository such as github.com/acme/payments-api",
  minLength: 1,
  maxLength: 256,
});

/** An AWS account id. */
export const AccountId = patterned({
  pattern: "^[0-9]{12}$",
  description: "a 12-digit AWS account id",
});

/** An AWS Region code. */
export const Region = patterned({
  pattern: "^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$",
  description: "an AWS Region such as eu-west-1",
  maxLength: 32,
  lengthImplied: true,
});

const TIMESTAMP_PATTERN =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$";
registerPattern(
  TIMESTAMP_PATTERN,
  "an RFC 3339 date-time with a time zone, such as 2026-03-02T09:30:00Z",
  true,
);

/**
 * An RFC 3339 date-time with a time zone. The pattern fixes the spelling (upper-case `T`, `Z` or
 * `±hh:mm`); the format checks the calendar (no 30 February).
 */
export const Timestamp = Type.String({
  format: "date-time",
  pattern: TIMESTAMP_PATTERN,
  maxLength: 35,
});

const HTTPS = "^https://";
registerPattern(HTTPS, "an https:// URL");

/** An https URL (links people follow from a report). */
export const HttpsUrl = Type.String({ format: "uri", pattern: HTTPS, maxLength: 2048 });

/** An e-mail address. */
export const Email = Type.String({ format: "email", maxLength: 254 });

/** A version string as the tool prints it (`3.2.0`, `v1.14`, `2026.03`). */
export const Version = Line(64);

/** A specification version number: `2.3`, `1.6`, `1.0.1`. */
export const VersionNumber = patterned({
  pattern: "^[0-9]{1,3}\\.[0-9]{1,3}(?:\\.[0-9]{1,3})?$",
  description: "a version number such as 2.3 or 1.6",
});

/** A count of things. */
export const Count = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

const identityProperties = {
  /** Stable identifier in its issuer: an IdP subject, a GitHub login, a role ARN. */
  id: Line(256),
  displayName: Type.Optional(Line(256)),
  email: Type.Optional(Email),
  /** Who vouches for the id: an OIDC issuer URL, an IdP name. */
  issuer: Type.Optional(Line(512)),
};

/** A person or workload named in an event's data (a reviewer, an approver, a risk owner). */
export const Identity = Type.Object(identityProperties, closed);
export type Identity = Static<typeof Identity>;

/** Who or what caused the event: a person, or a workload such as a CI job. */
export const Actor = Type.Object(
  { kind: OneOf(["human", "workload"]), ...identityProperties },
  closed,
);
export type Actor = Static<typeof Actor>;

/** A time window, `from` inclusive, `to` exclusive. */
export const Window = Type.Object({ from: Timestamp, to: Timestamp }, closed);
export type Window = Static<typeof Window>;

/** How much risk a change carries; it sets how much review and approval it needs. */
export const RiskTier = OneOf(["low", "medium", "high", "critical"]);
export type RiskTier = Static<typeof RiskTier>;

/** What a change touches; it decides which controls apply to a release. */
export const CHANGE_CATEGORIES = [
  "cosmetic",
  "operational",
  "clinical-risk",
  "security-sensitive",
  "data-processing",
] as const;
export const ChangeCategory = OneOf(CHANGE_CATEGORIES);
export type ChangeCategory = Static<typeof ChangeCategory>;

/** The name and version of a tool that produced a result. */
export const Tool = Type.Object({ name: Line(128), version: Type.Optional(Version) }, closed);
export type Tool = Static<typeof Tool>;

/** A bounded list of distinct items. */
export function ListOf<T extends TSchema>(item: T, maxItems: number, minItems = 0) {
  return Type.Array(item, { minItems, maxItems, uniqueItems: true });
}

/**
 * One of several object shapes told apart by a `kind` member. Validation looks at `kind` first and
 * reports only the problems of the matching shape (`discriminator`; draft 4 readers see `oneOf`).
 */
export function Tagged<const S extends readonly TObject[]>(
  variants: S,
): TUnsafe<Static<S[number]>> {
  return Type.Unsafe<Static<S[number]>>({
    type: "object",
    oneOf: [...variants],
    discriminator: { propertyName: "kind" },
  });
}
