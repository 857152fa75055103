import type { Expectations } from "./expectations.ts";
import type { AdministrativeCall, KeyUsageSummary, UsageRow } from "./summary.ts";

/** What a finding is about; stable, for scripts reading `--json`. */
export type FindingCode =
  | "unexpected-principal"
  | "unexpected-account"
  | "unexpected-region"
  | "failed-call"
  | "key-policy-changed"
  | "grant-created"
  | "key-disabled"
  | "key-deletion-scheduled"
  | "key-administration"
  | "sign-call-unmatched"
  | "signature-unmatched";

export type Severity = "high" | "medium" | "low";

/** One thing a security reviewer should look at, with what to do about it. */
export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  /** One sentence: what happened and what to do. */
  readonly message: string;
  readonly keyArn?: string;
  readonly principal?: string;
  readonly operation?: string;
  readonly sourceAccount?: string;
  readonly region?: string;
  readonly errorCode?: string;
  /** Calls (or signatures) this finding covers. */
  readonly count: number;
  readonly first?: string;
  readonly last?: string;
  /** KMS request ids involved, when the finding is about individual calls. */
  readonly requestIds?: readonly string[];
  /** CloudTrail event ids, for administrative calls. */
  readonly eventIds?: readonly string[];
  /** Where in the ledger, for unmatched signatures (`release/r1#3`, `pack:<file>`, ...). */
  readonly ref?: string;
  /** Parameters of an administrative call (grantee, waiting period...). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Error codes that say KMS was busy or failing, not that someone was refused. */
const AVAILABILITY_ERRORS = new Set([
  "ThrottlingException",
  "KMSInternalException",
  "DependencyTimeoutException",
  "KMSInvalidStateException",
]);

const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

function rowFindings(row: UsageRow, expect: Expectations): Finding[] {
  const findings: Finding[] = [];
  const where = {
    keyArn: row.keyArn,
    principal: row.principal,
    operation: row.operation,
    sourceAccount: row.sourceAccount,
  };
  const succeeded = row.count - row.errors.reduce((n, e) => n + e.count, 0);
  if (
    succeeded > 0 &&
    expect.checks(row.keyArn, row.operation) &&
    !expect.allows(row.keyArn, row.operation, row.principal)
  ) {
    findings.push({
      code: "unexpected-principal",
      severity: "high",
      message: `${row.principal} called ${row.operation} on a key it is not configured to use (${succeeded} successful call(s)); if it should, add it to principals.${row.operation} in the expectations file, otherwise revoke its access and investigate what it ${row.operation === "Sign" ? "signed" : "did"}.`,
      ...where,
      count: succeeded,
      first: row.firstUse,
      last: row.lastUse,
    });
  }
  const accounts = expect.accountsFor(row.keyArn);
  if (!accounts.includes(row.sourceAccount)) {
    findings.push({
      code: "unexpected-account",
      severity: "high",
      message: `${row.count} ${row.operation} call(s) came from account ${row.sourceAccount}, which is not expected to use this key (expected: ${accounts.join(", ") || "none"}); check the key policy and grants for access from that account.`,
      ...where,
      count: row.count,
      first: row.firstUse,
      last: row.lastUse,
    });
  }
  const regions = expect.regionsFor(row.keyArn);
  for (const region of row.regions) {
    if (regions.includes(region)) continue;
    findings.push({
      code: "unexpected-region",
      severity: "medium",
      message: `${row.operation} calls by ${row.principal} were made in ${region}, outside the expected Regions (${regions.join(", ") || "none"}); check for keys or replicas in that Region.`,
      ...where,
      region,
      count: row.count,
      first: row.firstUse,
      last: row.lastUse,
    });
  }
  for (const error of row.errors) {
    findings.push({
      code: "failed-call",
      severity: AVAILABILITY_ERRORS.has(error.code) ? "low" : "medium",
      message: AVAILABILITY_ERRORS.has(error.code)
        ? `${error.count} ${row.operation} call(s) by ${row.principal} failed with ${error.code}; if this repeats, check KMS quotas and key state.`
        : `${error.count} ${row.operation} call(s) by ${row.principal} failed with ${error.code}; find out why this principal attempted the call.`,
      ...where,
      errorCode: error.code,
      count: error.count,
      first: error.first,
      last: error.last,
    });
  }
  return findings;
}

const ADMIN_FINDINGS: Record<string, { code: FindingCode; severity: Severity; what: string }> = {
  PutKeyPolicy: {
    code: "key-policy-changed",
    severity: "high",
    what: "changed the key policy; compare the new policy with the approved one",
  },
  CreateGrant: {
    code: "grant-created",
    severity: "high",
    what: "created a grant that lets another principal use the key; revoke it unless it was approved",
  },
  DisableKey: {
    code: "key-disabled",
    severity: "high",
    what: "disabled the key; every call that needs it fails until it is enabled again (EnableKey)",
  },
  ScheduleKeyDeletion: {
    code: "key-deletion-scheduled",
    severity: "high",
    what: "scheduled the key for deletion; cancel the deletion (CancelKeyDeletion) unless it was approved",
  },
};

function administrativeFinding(call: AdministrativeCall): Finding {
  const kind = ADMIN_FINDINGS[call.operation] ?? {
    code: "key-administration" as const,
    severity: "medium" as const,
    what: `called ${call.operation} on the key; confirm the change was approved`,
  };
  return {
    code: kind.code,
    severity: kind.severity,
    message: `${call.principal} ${kind.what}.`,
    keyArn: call.keyArn,
    principal: call.principal,
    operation: call.operation,
    sourceAccount: call.sourceAccount,
    region: call.region,
    count: 1,
    first: call.eventTime,
    last: call.eventTime,
    ...(call.requestId ? { requestIds: [call.requestId] } : {}),
    eventIds: [call.eventId],
    ...(call.detail ? { detail: call.detail } : {}),
  };
}

/** Orders findings by severity, then key, code, principal and time, so reports are stable. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const text = (f: Finding) =>
    JSON.stringify([f.keyArn ?? "", f.code, f.principal ?? "", f.operation ?? "", f.first ?? ""]);
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0) ||
      (a.errorCode ?? "").localeCompare(b.errorCode ?? "") ||
      (a.region ?? "").localeCompare(b.region ?? "") ||
      (a.ref ?? "").localeCompare(b.ref ?? ""),
  );
}

/**
 * Reviews aggregated key usage against the expectations: callers not configured for Sign or
 * Decrypt (or any operation the file lists), calls from unexpected accounts or Regions, failed
 * calls, and every successful administrative call (policy changes, grants, disabling, deletion).
 * Failed administrative calls are reported as failed calls; calls the expectations list as routine
 * administration are not reported. Keys not under review are skipped.
 */
export function reviewUsage(summary: KeyUsageSummary, expect: Expectations): Finding[] {
  const findings: Finding[] = [];
  for (const row of summary.usage) {
    if (expect.covers(row.keyArn)) findings.push(...rowFindings(row, expect));
  }
  for (const call of summary.administrative) {
    if (
      call.errorCode === undefined &&
      expect.covers(call.keyArn) &&
      !expect.routine(call.operation, call.principal)
    ) {
      findings.push(administrativeFinding(call));
    }
  }
  return sortFindings(findings);
}
