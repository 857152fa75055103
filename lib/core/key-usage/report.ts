import type { Expectations } from "./expectations.ts";
import { type Finding, reviewUsage, sortFindings } from "./findings.ts";
import {
  type LedgerSignature,
  type Reconciliation,
  reconcile,
  reconciliationFindings,
  signCallsOf,
} from "./reconcile.ts";
import type { KeyUsageSummary, UsageRow } from "./summary.ts";

export const REPORT_VERSION = "key-usage-report/v1";

/** Totals for one key. */
export interface KeyTotals {
  readonly keyArn: string;
  readonly calls: number;
  readonly failed: number;
  readonly principals: number;
  readonly firstUse: string;
  readonly lastUse: string;
}

/** A usage row as reported: the Sign request ids are counted, not listed. */
export type ReportedUsageRow = Omit<UsageRow, "requestIds"> & { readonly signRequestIds?: number };

/** Everything `evidence key-usage` prints, as text, JSON or HTML. */
export interface KeyUsageReport {
  readonly reportVersion: typeof REPORT_VERSION;
  readonly generatedAt: string;
  /** What was read, for the reader: `CloudTrail logs: 12 files in ./logs`. */
  readonly source: string;
  readonly window?: { readonly start: string; readonly end: string };
  readonly calls: number;
  /** Calls on keys outside the expectations' `keys`, left out of the review. */
  readonly callsOnOtherKeys: number;
  /** True when an expectations file was given; without one every signer is reported. */
  readonly expectationsGiven: boolean;
  readonly keys: readonly KeyTotals[];
  readonly usage: readonly ReportedUsageRow[];
  readonly findings: readonly Finding[];
  /** Present when a ledger (packs, an export, or the event table) was compared. */
  readonly reconciliation?: Omit<Reconciliation, "unmatchedCalls" | "unmatchedSignatures"> & {
    readonly ledger: string;
  };
}

function keyTotals(rows: readonly UsageRow[]): KeyTotals[] {
  const byKey = new Map<string, { rows: UsageRow[] }>();
  for (const row of rows) {
    const entry = byKey.get(row.keyArn) ?? { rows: [] };
    entry.rows.push(row);
    byKey.set(row.keyArn, entry);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([keyArn, { rows: keyRows }]) => ({
      keyArn,
      calls: keyRows.reduce((n, r) => n + r.count, 0),
      failed: keyRows.reduce((n, r) => n + r.errors.reduce((m, e) => m + e.count, 0), 0),
      principals: new Set(keyRows.map((r) => r.principal)).size,
      firstUse: keyRows
        .map((r) => r.firstUse)
        .reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)),
      lastUse: keyRows
        .map((r) => r.lastUse)
        .reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)),
    }));
}

/**
 * Builds the review: usage per key, principal, operation and account; findings; and, when the
 * ledger's signatures are given, the reconciliation of Sign calls with them.
 */
export function buildReport(input: {
  readonly summary: KeyUsageSummary;
  readonly expectations: Expectations;
  readonly expectationsGiven: boolean;
  readonly generatedAt: string;
  readonly source: string;
  /** Signatures from packs, an export or the event table, and a description of where from. */
  readonly ledger?: {
    readonly signatures: readonly LedgerSignature[];
    readonly description: string;
  };
  /** Sign call times by request id, when individual calls are known (offline logs). */
  readonly signTimes?: ReadonlyMap<string, string>;
  /** The period reviewed, when narrower or wider than the calls' own span. */
  readonly window?: { readonly start: string; readonly end: string };
  /** Signatures this close to the window's end are not judged (their Sign call may be on its way). */
  readonly graceMs?: number;
}): KeyUsageReport {
  const { summary, expectations } = input;
  const covered = summary.usage.filter((row) => expectations.covers(row.keyArn));
  const findings: Finding[] = reviewUsage(summary, expectations);
  let reconciliation: KeyUsageReport["reconciliation"];
  if (input.ledger) {
    const ledgerKeys = new Set(
      input.ledger.signatures.map((s) => s.keyId).filter((k) => k.startsWith("arn:")),
    );
    const isSigningKey = (keyArn: string) => expectations.isSigningKey(keyArn, ledgerKeys);
    const signingKeys = new Set(ledgerKeys);
    for (const row of summary.usage) if (isSigningKey(row.keyArn)) signingKeys.add(row.keyArn);
    const window = input.window ?? summary.window;
    const result = reconcile({
      signCalls: signCallsOf(summary, isSigningKey, input.signTimes),
      signatures: input.ledger.signatures,
      signingKeys: [...signingKeys],
      ...(window ? { window } : {}),
      ...(input.graceMs !== undefined ? { graceMs: input.graceMs } : {}),
    });
    findings.push(...reconciliationFindings(result));
    const { unmatchedCalls: _calls, unmatchedSignatures: _signatures, ...counts } = result;
    reconciliation = { ...counts, ledger: input.ledger.description };
  }
  const window = input.window ?? summary.window;
  return {
    reportVersion: REPORT_VERSION,
    generatedAt: input.generatedAt,
    source: input.source,
    ...(window ? { window } : {}),
    calls: covered.reduce((n, r) => n + r.count, 0),
    callsOnOtherKeys:
      summary.usage.reduce((n, r) => n + r.count, 0) - covered.reduce((n, r) => n + r.count, 0),
    expectationsGiven: input.expectationsGiven,
    keys: keyTotals(covered),
    usage: covered.map(({ requestIds, ...row }) =>
      requestIds ? { ...row, signRequestIds: requestIds.length } : row,
    ),
    findings: sortFindings(findings),
    ...(reconciliation ? { reconciliation } : {}),
  };
}
