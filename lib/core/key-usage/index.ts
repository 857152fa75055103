export {
  type KmsCall,
  kmsCallFrom,
  parseKeyArn,
  principalOf,
  recordsOfLogFile,
} from "./cloudtrail.ts";
export {
  ALWAYS_CHECKED_OPERATIONS,
  Expectations,
  ExpectationsError,
  type KeyExpectation,
  type KeyUsageExpectations,
  keyMatches,
  parseExpectations,
} from "./expectations.ts";
export {
  type Finding,
  type FindingCode,
  reviewUsage,
  type Severity,
  sortFindings,
} from "./findings.ts";
export { parseInstant } from "./period.ts";
export {
  type LedgerSignature,
  type LedgerSignatureKind,
  type Reconciliation,
  reconcile,
  reconciliationFindings,
  SIGN_LATENCY_GRACE_MS,
  type SignCall,
  signCallsOf,
} from "./reconcile.ts";
export { escapeHtml, renderHtml } from "./render-html.ts";
export { renderText } from "./render-text.ts";
export { buildReport, type KeyTotals, type KeyUsageReport, REPORT_VERSION } from "./report.ts";
export {
  ADMINISTRATIVE_OPERATIONS,
  type AdministrativeCall,
  callsWithin,
  isAdministrative,
  type KeyUsageSummary,
  mergeSummaries,
  summarize,
  type UsageError,
  type UsageRow,
} from "./summary.ts";
