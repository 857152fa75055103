import type { Static } from "@sinclair/typebox";
import type { EventDefinition, Subject } from "./envelope.ts";
import type { Actor, ChangeCategory } from "./fields.ts";
import { ApprovalDecided } from "./types/approval.ts";
import { ArtifactPublished, ArtifactSigned } from "./types/artifact.ts";
import { BuildCompleted } from "./types/build.ts";
import { ChangeClassified } from "./types/change.ts";
import { CommitPushed } from "./types/commit.ts";
import { DeployCompleted, DeployFailed, DeployStarted } from "./types/deploy.ts";
import { ExceptionApproved, ExceptionRevoked } from "./types/exception.ts";
import { KeyUsageSummarized } from "./types/key-usage.ts";
import { LegalHoldApplied, LegalHoldReleased } from "./types/legal-hold.ts";
import { MonitoringBaseline } from "./types/monitoring.ts";
import { PackGenerated } from "./types/pack.ts";
import { PolicyEvaluated } from "./types/policy.ts";
import { ReviewSubmitted } from "./types/review.ts";
import { RollbackCompleted } from "./types/rollback.ts";
import { SbomGenerated } from "./types/sbom.ts";
import { ScanCompleted } from "./types/scan.ts";
import { TestCompleted } from "./types/test.ts";

/** Every event type, in the order a release usually produces them. */
const DEFINITIONS = [
  CommitPushed,
  ReviewSubmitted,
  ChangeClassified,
  BuildCompleted,
  ArtifactPublished,
  ArtifactSigned,
  SbomGenerated,
  TestCompleted,
  ScanCompleted,
  PolicyEvaluated,
  ApprovalDecided,
  DeployStarted,
  DeployCompleted,
  DeployFailed,
  RollbackCompleted,
  MonitoringBaseline,
  ExceptionApproved,
  ExceptionRevoked,
  LegalHoldApplied,
  LegalHoldReleased,
  PackGenerated,
  KeyUsageSummarized,
] as const;

type Definitions = typeof DEFINITIONS;

/** The `type` of an evidence event, e.g. `"build.completed"`. */
export type EventType = Definitions[number]["type"];

/** Any evidence event; narrow it with `event.type`. */
export type EvidenceEvent = EventOf<Definitions[number]>;

type EventOf<D> = D extends EventDefinition<string, infer S> ? Static<S> : never;

/** The event of one type. */
export type EventOfType<T extends EventType> = Extract<EvidenceEvent, { type: T }>;

/** Every event type, in the order a release usually produces them. */
export const EVENT_TYPES: readonly EventType[] = DEFINITIONS.map((definition) => definition.type);

/**
 * The types that belong to no release: exceptions cover a service, legal holds and packs cover
 * a scope they name. Their evidence is kept per family (`exception`, `legal-hold`, `pack`), not
 * per release; every other type requires `subject.releaseId`.
 */
export const RELEASE_LESS_EVENT_TYPES: readonly EventType[] = [
  "exception.approved",
  "exception.revoked",
  "legal-hold.applied",
  "legal-hold.released",
  "pack.generated",
  "key-usage.summarized",
];

/** The family of a type: the part before the last dot (`legal-hold` for `legal-hold.applied`). */
export function eventFamily(type: EventType): string {
  return type.slice(0, type.lastIndexOf("."));
}

/**
 * On EventBridge an event travels as an entry whose `Source` starts with this prefix (e.g.
 * `evidence.github-actions`), whose `DetailType` is the event's `type`, and whose `Detail` is the
 * event's JSON.
 */
export const EVENT_SOURCE_PREFIX = "evidence.";

/**
 * The members every evidence event has, whatever its type: what code that handles any event
 * (routing, storing, listing) may rely on. Every {@link EvidenceEvent} is an `EventEnvelope`.
 */
export interface EventEnvelope {
  readonly id: string;
  readonly type: EventType;
  readonly specVersion: "1.0";
  readonly occurredAt: string;
  readonly subject: Subject;
  readonly actor: Actor;
  readonly changeCategory?: ChangeCategory;
  readonly data: object;
}

/** The definitions, for the validator and the schema export. */
export const EVENT_DEFINITIONS = DEFINITIONS as unknown as readonly EventDefinition[];

export type { LegalHoldScope } from "./types/legal-hold.ts";
export type { PackScope } from "./types/pack.ts";
