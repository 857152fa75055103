import { canonicalize } from "../core/canonical/index.ts";
import type { JsonObject, JsonValue } from "../core/canonical/json-value.ts";
import { sha256Digest } from "../core/digest.ts";
import type { CiContext } from "./ci.ts";

/** Flags that describe an event, before CI defaults are added. */
export interface EventInput {
  readonly type: string;
  /** Event id; generated when absent. */
  readonly id?: string;
  /** Derive the id from the CI run instead of generating a random one. */
  readonly deterministicId?: boolean;
  /** Tells apart events of one type about one subject emitted by one job (deterministic ids). */
  readonly idKey?: string;
  readonly occurredAt?: string;
  readonly actor?: {
    readonly id?: string;
    readonly kind?: "human" | "workload";
    readonly displayName?: string;
    readonly email?: string;
    readonly issuer?: string;
  };
  readonly subject?: Readonly<Record<string, string | undefined>>;
  readonly changeCategory?: string;
  /** The type's `data` as given with --data / --data-file. */
  readonly data?: JsonObject;
  /** `--set PATH=VALUE` and `--digest PATH=FILE`, applied last, in order. */
  readonly assignments?: ReadonlyArray<readonly [path: string, value: JsonValue]>;
}

/** An input that cannot make an event; the message says which flag to fix. */
export class EventInputError extends Error {
  override readonly name = "EventInputError";
}

/** Longest `actor.id` and `actor.displayName` the catalogue accepts. */
const MAX_LINE = 256;

function clip(text: string | undefined, max = MAX_LINE): string | undefined {
  return text === undefined ? undefined : text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function defined(entries: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * Data members a CI run fills in by itself, per event type, when the flags leave them out:
 * the build id, builder and link of a build; the branch of a commit; the run of a test; the
 * deployment id and Region of a deploy.
 */
export function ciData(
  type: string,
  ci: CiContext,
  env: Readonly<Record<string, string | undefined>>,
): JsonObject {
  switch (type) {
    case "build.completed":
      return defined({
        buildId: ci.runId,
        builder: ci.definition ? { id: ci.definition } : undefined,
        buildUrl: ci.runUrl?.startsWith("https://") ? ci.runUrl : undefined,
      });
    case "commit.pushed":
      return defined({ branch: ci.branch });
    case "test.completed":
      return defined({ runId: ci.runId });
    case "deploy.started":
    case "deploy.completed":
    case "deploy.failed":
      return defined({
        deploymentId: ci.runId,
        region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      });
    default:
      return {};
  }
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `base` with `over` laid on top; objects merge member by member, anything else is replaced. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/**
 * Sets `value` at a dotted path (`data.findings.high`), creating objects on the way.
 * The path's first segment must be a member of the event (`data`, `subject`, `actor`...).
 */
export function setPath(target: JsonObject, path: string, value: JsonValue): void {
  const segments = path.split(".");
  if (
    segments.some((s) => s === "" || s === "__proto__" || s === "constructor" || s === "prototype")
  ) {
    throw new EventInputError(`"${path}" is not a member path; write it like data.findings.high`);
  }
  let node: JsonObject = target;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined) {
      const created: JsonObject = {};
      node[segment] = created;
      node = created;
    } else if (isObject(next)) {
      node = next;
    } else {
      throw new EventInputError(`cannot set ${path}: ${segment} is not an object`);
    }
  }
  node[segments[segments.length - 1] ?? ""] = value;
}

/**
 * The id a CI job gives an event when asked for a deterministic one: the same for a step that is
 * retried within one job execution, different for another type, subject, job, attempt or
 * `--id-key`. `<system>-` and 40 hex digits of a SHA-256 over those parts.
 */
export function deterministicEventId(
  ci: CiContext,
  type: string,
  subject: JsonObject,
  idKey: string | undefined,
): string {
  if (ci.runId === undefined) {
    throw new EventInputError(
      `--deterministic-id needs the CI run id, which ${ci.system} did not set; give --id instead`,
    );
  }
  const parts = {
    system: ci.system,
    run: ci.runId,
    execution: ci.execution ?? null,
    step: ci.step ?? null,
    key: idKey ?? null,
    type,
    subject,
  };
  return `${ci.system}-${sha256Digest(canonicalize(parts)).slice("sha256:".length, "sha256:".length + 40)}`;
}

/**
 * Builds an evidence event from flags and the CI run: the envelope (id, type, specVersion,
 * occurredAt, actor), `subject` with the commit and repository of the run unless given, `data`
 * with the run's defaults for the type under what --data gives, then each --set/--digest.
 * Does not validate: the caller validates the result with the catalogue, as the ingest will.
 */
export function buildEvent(
  input: EventInput,
  context: {
    readonly ci?: CiContext;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly now: Date;
    readonly randomId: () => string;
  },
): JsonObject {
  const { ci } = context;
  const subject = defined({
    commit: ci?.commit,
    repository: ci?.repository,
    ...Object.fromEntries(Object.entries(input.subject ?? {}).filter(([, v]) => v !== undefined)),
  });
  const actorId =
    input.actor?.id ??
    ci?.workloadId ??
    (ci?.repository ? `${ci.system}:${ci.repository}` : undefined);
  if (actorId === undefined) {
    throw new EventInputError(
      "who emits this event? Outside GitHub Actions, CodeBuild and GitLab CI give --actor (a user name, an email or a role ARN)",
    );
  }
  const fromCi = input.actor?.id === undefined && ci !== undefined;
  const actor = defined({
    kind: input.actor?.kind ?? (fromCi ? "workload" : "human"),
    id: clip(actorId),
    displayName: clip(input.actor?.displayName ?? (fromCi ? ci.description : undefined)),
    email: input.actor?.email,
    issuer: input.actor?.issuer ?? (fromCi ? ci.issuer : undefined),
  });
  let data: JsonObject = ci ? ciData(input.type, ci, context.env) : {};
  if (input.data) data = deepMerge(data, input.data);
  const event: JsonObject = defined({
    id: input.id,
    type: input.type,
    specVersion: "1.0",
    occurredAt: input.occurredAt ?? context.now.toISOString(),
    actor,
    subject,
    changeCategory: input.changeCategory,
    data,
  });
  for (const [path, value] of input.assignments ?? []) setPath(event, path, value);
  if (event.id === undefined) {
    if (input.deterministicId) {
      if (!ci) {
        throw new EventInputError(
          "--deterministic-id works inside GitHub Actions, CodeBuild or GitLab CI; elsewhere give --id",
        );
      }
      const finalSubject = isObject(event.subject) ? event.subject : {};
      event.id = deterministicEventId(ci, input.type, finalSubject, input.idKey);
    } else {
      event.id = context.randomId();
    }
  }
  return event;
}
