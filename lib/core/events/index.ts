/**
 * The evidence event catalogue: every event type's schema (TypeBox, so one source gives both the
 * TypeScript types and the JSON Schemas), the validator on the ingest and verification paths, and
 * the schemas as published to a schema registry. Pure: no AWS SDK, no I/O.
 */
export {
  EVENT_SOURCE_PREFIX,
  EVENT_TYPES,
  type EventEnvelope,
  type EventOfType,
  type EventType,
  type EvidenceEvent,
  eventFamily,
  type LegalHoldScope,
  type PackScope,
  RELEASE_LESS_EVENT_TYPES,
} from "./catalogue.ts";
export { SPEC_VERSION, type Subject, type SubjectKey } from "./envelope.ts";
export {
  type Actor,
  CHANGE_CATEGORIES,
  type ChangeCategory,
  type Identity,
  type RiskTier,
  type Tool,
  type Window,
} from "./fields.ts";
export { issueFromParseError, type ValidationIssue } from "./issues.ts";
export { eventSchemas, type PublishedSchema } from "./schemas.ts";
export type { ApprovalDecidedEvent } from "./types/approval.ts";
export type { ArtifactPublishedEvent, ArtifactSignedEvent } from "./types/artifact.ts";
export type { BuildCompletedEvent } from "./types/build.ts";
export type { ChangeClassifiedEvent } from "./types/change.ts";
export type { CommitPushedEvent } from "./types/commit.ts";
export type {
  DeployCompletedEvent,
  DeployFailedEvent,
  DeployStartedEvent,
} from "./types/deploy.ts";
export type { ExceptionApprovedEvent, ExceptionRevokedEvent } from "./types/exception.ts";
export type { KeyUsageSummarizedEvent } from "./types/key-usage.ts";
export type { LegalHoldAppliedEvent, LegalHoldReleasedEvent } from "./types/legal-hold.ts";
export type { MonitoringBaselineEvent } from "./types/monitoring.ts";
export type { PackGeneratedEvent } from "./types/pack.ts";
export type { PolicyEvaluatedEvent } from "./types/policy.ts";
export type { ReviewSubmittedEvent } from "./types/review.ts";
export type { RollbackCompletedEvent } from "./types/rollback.ts";
export type { SbomGeneratedEvent } from "./types/sbom.ts";
export type { ScanCompletedEvent } from "./types/scan.ts";
export type { TestCompletedEvent } from "./types/test.ts";
export { type EventValidation, parseAndValidateEvent, validateEvent } from "./validate.ts";
