import type { PackScope as EventPackScope, LegalHoldScope } from "../core/events/index.ts";
import type { PackScope } from "../core/pack/format.ts";
import { PackServiceError } from "./errors.ts";

/**
 * What a pack or a legal hold covers, as callers ask for it and as pack.generated and
 * legal-hold.* events record it: `{ kind: "release", releaseId }`, `{ kind: "commit", commit,
 * repository? }`, `{ kind: "artifact", artifactDigest }` or `{ kind: "window", from, to,
 * service? }` (evidence received from `from`, inclusive, to `to`, exclusive).
 */
export type RequestScope = EventPackScope;

/** The longest window a pack or hold may cover (the day index is read day by day). */
export const MAX_WINDOW_DAYS = 366;

type Schema = { readonly pattern: string; readonly maxLength?: number };

/**
 * The event catalogue's rules for the members of a scope (lib/core/events/fields.ts), written out
 * so the pack functions do not load the schema library; a unit test keeps them equal.
 */
export const SCOPE_FIELDS = {
  releaseId: { pattern: "^[A-Za-z0-9][A-Za-z0-9._:@+-]*$", maxLength: 128 },
  commit: { pattern: "^(?:[0-9a-f]{40}|[0-9a-f]{64})$" },
  digest: { pattern: "^sha256:[0-9a-f]{64}$" },
  name: { pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", maxLength: 64 },
  repository: { pattern: "^[A-Za-z0-9][A-Za-z0-9._/:@-]*$", maxLength: 256 },
  reference: { pattern: "^[A-Za-z0-9][A-Za-z0-9._:/#-]*$", maxLength: 128 },
  timestamp: {
    pattern:
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$",
    maxLength: 35,
  },
} as const satisfies Record<string, Schema>;

function field(value: unknown, schema: Schema, path: string, what: string): string {
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    (schema.maxLength !== undefined && value.length > schema.maxLength) ||
    !new RegExp(schema.pattern).test(value)
  ) {
    throw new PackServiceError(
      "invalid-request",
      `${path}: expected ${what}, found ${value === undefined ? "nothing" : JSON.stringify(value).slice(0, 80)}`,
    );
  }
  return value;
}

function time(value: unknown, path: string): string {
  const text = field(
    value,
    SCOPE_FIELDS.timestamp,
    path,
    "an RFC 3339 time such as 2026-03-02T00:00:00Z",
  );
  if (Number.isNaN(Date.parse(text))) {
    throw new PackServiceError("invalid-request", `${path}: ${text} is not a calendar time`);
  }
  return text;
}

function only(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      throw new PackServiceError(
        "invalid-request",
        `${path}.${name}: unknown member; a ${String(value.kind)} scope has ${allowed.join(", ")}`,
      );
    }
  }
}

/**
 * Reads a scope from a request body, refusing anything malformed with a message naming the
 * member. `kinds` limits the kinds accepted (legal holds take release and window only).
 */
export function parseScope(
  value: unknown,
  kinds: readonly RequestScope["kind"][] = ["release", "commit", "artifact", "window"],
  path = "scope",
): RequestScope {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PackServiceError(
      "invalid-request",
      `${path}: expected an object such as {"kind":"release","releaseId":"payments-api@2026.05.1"}`,
    );
  }
  const scope = value as Record<string, unknown>;
  if (typeof scope.kind !== "string" || !(kinds as readonly string[]).includes(scope.kind)) {
    throw new PackServiceError(
      "invalid-request",
      `${path}.kind: expected one of ${kinds.join(", ")}, found ${JSON.stringify(scope.kind) ?? "nothing"}`,
    );
  }
  switch (scope.kind) {
    case "release":
      only(scope, ["kind", "releaseId"], path);
      return {
        kind: "release",
        releaseId: field(
          scope.releaseId,
          SCOPE_FIELDS.releaseId,
          `${path}.releaseId`,
          "a release id",
        ),
      };
    case "commit": {
      only(scope, ["kind", "commit", "repository"], path);
      const commit = field(
        scope.commit,
        SCOPE_FIELDS.commit,
        `${path}.commit`,
        "a commit id of 40 or 64 lower-case hex digits",
      );
      return scope.repository === undefined
        ? { kind: "commit", commit }
        : {
            kind: "commit",
            commit,
            repository: field(
              scope.repository,
              SCOPE_FIELDS.repository,
              `${path}.repository`,
              "a repository name",
            ),
          };
    }
    case "artifact":
      only(scope, ["kind", "artifactDigest"], path);
      return {
        kind: "artifact",
        artifactDigest: field(
          scope.artifactDigest,
          SCOPE_FIELDS.digest,
          `${path}.artifactDigest`,
          "a digest sha256:<64 lower-case hex>",
        ),
      };
    default: {
      only(scope, ["kind", "from", "to", "service"], path);
      const from = time(scope.from, `${path}.from`);
      const to = time(scope.to, `${path}.to`);
      const span = Date.parse(to) - Date.parse(from);
      if (span <= 0) {
        throw new PackServiceError("invalid-request", `${path}.to must be after ${path}.from`);
      }
      if (span > MAX_WINDOW_DAYS * 86_400_000) {
        throw new PackServiceError(
          "invalid-request",
          `a window covers at most ${MAX_WINDOW_DAYS} days; split it into several requests`,
        );
      }
      return scope.service === undefined
        ? { kind: "window", from, to }
        : {
            kind: "window",
            from,
            to,
            service: field(scope.service, SCOPE_FIELDS.name, `${path}.service`, "a service name"),
          };
    }
  }
}

/** The pack format's scope (`kind` and one `value`) of a request scope. */
export function formatScope(scope: RequestScope): PackScope {
  switch (scope.kind) {
    case "release":
      return { kind: "release", value: scope.releaseId };
    case "commit":
      return { kind: "commit", value: scope.commit };
    case "artifact":
      return { kind: "artifact", value: scope.artifactDigest };
    case "window":
      return {
        kind: "window",
        value: `${new Date(scope.from).toISOString()}/${new Date(scope.to).toISOString()}`,
      };
  }
}

/** The scope of a legal hold (release or window), checked. */
export function holdScope(scope: RequestScope): LegalHoldScope {
  if (scope.kind === "release" || scope.kind === "window") return scope;
  throw new PackServiceError(
    "invalid-request",
    "a legal hold covers a release or a time window; hold the releases of a commit or artifact one by one",
  );
}

/** A short human label: `release payments-api@2026.05.1`. */
export function describeScope(scope: RequestScope): string {
  switch (scope.kind) {
    case "release":
      return `release ${scope.releaseId}`;
    case "commit":
      return `commit ${scope.commit}`;
    case "artifact":
      return `artifact ${scope.artifactDigest}`;
    case "window":
      return `evidence received from ${scope.from} to ${scope.to}${scope.service ? ` (service ${scope.service})` : ""}`;
  }
}
