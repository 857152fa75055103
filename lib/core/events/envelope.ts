import {
  type Static,
  type TObject,
  type TOptional,
  type TSchema,
  type TUnsafe,
  Type,
} from "@sinclair/typebox";
import {
  Actor,
  CommitId,
  Digest,
  EventId,
  Exactly,
  Name,
  ReleaseId,
  RepositoryName,
  Timestamp,
} from "./fields.ts";
import type { RuleViolation } from "./violation.ts";

/** The envelope version this catalogue defines. */
export const SPEC_VERSION = "1.0";

const subjectFields = {
  releaseId: ReleaseId,
  service: Name,
  commit: CommitId,
  artifactDigest: Digest,
  environment: Name,
  repository: RepositoryName,
};

type SubjectFields = typeof subjectFields;

/** A member of an event's `subject`. */
export type SubjectKey = keyof SubjectFields;

type SubjectProperties<K extends SubjectKey, O extends SubjectKey> = {
  [P in K]: SubjectFields[P];
} & {
  [P in Exclude<SubjectKey, K | O>]: TOptional<SubjectFields[P]>;
};

/** What the event is about; which members are required depends on the type. */
export interface Subject {
  releaseId?: string;
  service?: string;
  commit?: string;
  artifactDigest?: string;
  environment?: string;
  repository?: string;
}

/** Which subject members an event type requires, allows or refuses. */
export interface SubjectRule<K extends SubjectKey, O extends SubjectKey> {
  /** Members that must be present; the others may be. */
  readonly required: readonly K[];
  /** Members of which one or more must be present (a scan covers an artifact, a commit, or both). */
  readonly atLeastOneOf?: readonly Exclude<SubjectKey, K | O>[];
  /** Members refused: release-less types have no `releaseId`, so their stream follows their type. */
  readonly omit?: readonly O[];
}

/** The `subject` schema of one event type. */
export function subject<const K extends SubjectKey, const O extends SubjectKey = never>(
  rule: SubjectRule<K, O>,
): TObject<SubjectProperties<K, O>> {
  const required: readonly string[] = rule.required;
  const omitted: readonly string[] = rule.omit ?? [];
  const properties: Record<string, TSchema> = {};
  for (const [key, schema] of Object.entries(subjectFields)) {
    if (omitted.includes(key)) continue;
    properties[key] = required.includes(key) ? schema : Type.Optional(schema);
  }
  const options =
    rule.atLeastOneOf === undefined
      ? { additionalProperties: false }
      : {
          additionalProperties: false,
          anyOf: rule.atLeastOneOf.map((key) => ({ required: [key] })),
        };
  return Type.Object(properties, options) as unknown as TObject<SubjectProperties<K, O>>;
}

/**
 * The envelope members every event type shares, with `type` fixed to one value. Each event schema
 * spreads these and adds `subject`, `data` and, where relevant, `changeCategory`.
 */
export function envelope<const T extends string>(type: T) {
  return {
    /** The producer's unique event id; a resent event with the same id is the same event. */
    id: EventId,
    type: Exactly(type),
    specVersion: Exactly(SPEC_VERSION),
    /** When the recorded thing happened, by the producer's clock. */
    occurredAt: Timestamp,
    actor: Actor,
  } satisfies Record<string, TSchema> as {
    id: typeof EventId;
    type: TUnsafe<T>;
    specVersion: TUnsafe<typeof SPEC_VERSION>;
    occurredAt: typeof Timestamp;
    actor: typeof Actor;
  };
}

/** Options every event schema object carries: closed, titled with its type. */
export function eventOptions(type: string, description: string) {
  return { additionalProperties: false, title: type, description } as const;
}

/** An event type's schema and the rules JSON Schema cannot state. */
export interface EventDefinition<T extends string = string, S extends TObject = TObject> {
  readonly type: T;
  readonly schema: S;
  /** Runs the rules on an event that matches `schema`; returns what they found wrong. */
  check(event: Static<S>): RuleViolation[];
}

export type { RuleViolation } from "./violation.ts";

/** A check on an event that already matches its schema. */
export type EventRule<E> = (event: E) => RuleViolation | undefined;

/** Pairs a type with its schema and rules. */
export function defineEvent<const T extends string, S extends TObject>(
  type: T,
  schema: S,
  rules: readonly EventRule<Static<S>>[] = [],
): EventDefinition<T, S> {
  return {
    type,
    schema,
    check(event) {
      const violations: RuleViolation[] = [];
      for (const rule of rules) {
        const violation = rule(event);
        if (violation !== undefined) violations.push(violation);
      }
      return violations;
    },
  };
}
