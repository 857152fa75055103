/**
 * The report for people: facts read from a pack's records, the control map evaluated per
 * release, and report.html rendered from them. Pure: no AWS SDK, no I/O.
 */
export {
  type ArchiveGap,
  type ArchiveSummary,
  type CollectedFacts,
  type CollectorOptions,
  type ReleaseReport,
  ReportCollector,
  type StreamSummary,
} from "./collector.ts";
export { completenessStatement, type PlannedStream } from "./completeness.ts";
export {
  type ControlResult,
  type ControlStatus,
  evaluateRelease,
  type ReleaseEvaluation,
} from "./evaluate.ts";
export {
  addExceptionRecord,
  addReleaseRecord,
  type EvidenceRef,
  type ExceptionFact,
  emptyReleaseFacts,
  exceptionOpenAt,
  MAX_FACTS_PER_KIND,
  type ReleaseFacts,
} from "./facts.ts";
export { esc } from "./html.ts";
export { type ReportModel, renderReport, scopeTitle } from "./render.ts";
