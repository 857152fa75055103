import type { KmsCall } from "./cloudtrail.ts";

/** Failures of one kind within a usage row. */
export interface UsageError {
  readonly code: string;
  readonly count: number;
  readonly first: string;
  readonly last: string;
}

/**
 * Calls of one principal, from one account, doing one operation on one key: the unit of a
 * key-usage report and of a `key-usage.summarized` event.
 */
export interface UsageRow {
  readonly keyArn: string;
  readonly principal: string;
  readonly operation: string;
  readonly sourceAccount: string;
  /** Regions the calls were made in, sorted. */
  readonly regions: readonly string[];
  /** Every call, failed ones included. */
  readonly count: number;
  readonly firstUse: string;
  readonly lastUse: string;
  /** Failed calls by error code, sorted by code. */
  readonly errors: readonly UsageError[];
  /** Request ids of the successful Sign calls, sorted: what reconciliation matches signatures to. */
  readonly requestIds?: readonly string[];
}

/** One administrative call (policy, grant, key state, alias, rotation...), kept individually. */
export interface AdministrativeCall {
  readonly eventId: string;
  readonly requestId?: string;
  readonly eventTime: string;
  readonly keyArn: string;
  readonly principal: string;
  readonly operation: string;
  readonly sourceAccount: string;
  readonly region: string;
  readonly errorCode?: string;
  readonly detail?: KmsCall["detail"];
}

/** Aggregated key usage over a window: what the review analyses, offline or from the ledger. */
export interface KeyUsageSummary {
  /** First and last call time, absent when there were no calls. */
  readonly window?: { readonly start: string; readonly end: string };
  /** Calls counted (after dropping duplicate CloudTrail deliveries). */
  readonly calls: number;
  /** Sorted by key, principal, operation, account. */
  readonly usage: readonly UsageRow[];
  /** Sorted by time, then event id. */
  readonly administrative: readonly AdministrativeCall[];
}

/**
 * KMS operations that change a key, its policy, its grants or its aliases. Any other call that
 * CloudTrail marks `readOnly: false` is treated the same way.
 */
export const ADMINISTRATIVE_OPERATIONS: ReadonlySet<string> = new Set([
  "PutKeyPolicy",
  "CreateGrant",
  "RetireGrant",
  "RevokeGrant",
  "DisableKey",
  "EnableKey",
  "ScheduleKeyDeletion",
  "CancelKeyDeletion",
  "DeleteKey",
  "CreateAlias",
  "UpdateAlias",
  "DeleteAlias",
  "UpdateKeyDescription",
  "TagResource",
  "UntagResource",
  "EnableKeyRotation",
  "DisableKeyRotation",
  "RotateKeyOnDemand",
  "ImportKeyMaterial",
  "DeleteImportedKeyMaterial",
  "ReplicateKey",
  "UpdatePrimaryRegion",
]);

/** True when a call changes the key rather than using or reading it. */
export function isAdministrative(call: Pick<KmsCall, "operation" | "readOnly">): boolean {
  return ADMINISTRATIVE_OPERATIONS.has(call.operation) || call.readOnly === false;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function rowKey(row: Pick<UsageRow, "keyArn" | "principal" | "operation" | "sourceAccount">) {
  return JSON.stringify([row.keyArn, row.principal, row.operation, row.sourceAccount]);
}

interface MutableRow {
  keyArn: string;
  principal: string;
  operation: string;
  sourceAccount: string;
  regions: Set<string>;
  count: number;
  firstUse: string;
  lastUse: string;
  errors: Map<string, { count: number; first: string; last: string }>;
  requestIds: Set<string>;
}

function minTime(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function maxTime(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

class SummaryBuilder {
  private readonly rows = new Map<string, MutableRow>();
  private readonly admin = new Map<string, AdministrativeCall>();
  private calls = 0;
  private start: string | undefined;
  private end: string | undefined;

  addRow(row: UsageRow): void {
    const key = rowKey(row);
    let target = this.rows.get(key);
    if (!target) {
      target = {
        keyArn: row.keyArn,
        principal: row.principal,
        operation: row.operation,
        sourceAccount: row.sourceAccount,
        regions: new Set(),
        count: 0,
        firstUse: row.firstUse,
        lastUse: row.lastUse,
        errors: new Map(),
        requestIds: new Set(),
      };
      this.rows.set(key, target);
    }
    for (const region of row.regions) target.regions.add(region);
    target.count += row.count;
    target.firstUse = minTime(target.firstUse, row.firstUse);
    target.lastUse = maxTime(target.lastUse, row.lastUse);
    for (const error of row.errors) {
      const existing = target.errors.get(error.code);
      if (existing) {
        existing.count += error.count;
        existing.first = minTime(existing.first, error.first);
        existing.last = maxTime(existing.last, error.last);
      } else {
        target.errors.set(error.code, { count: error.count, first: error.first, last: error.last });
      }
    }
    for (const id of row.requestIds ?? []) target.requestIds.add(id);
  }

  addAdministrative(call: AdministrativeCall): void {
    this.admin.set(call.eventId, call);
  }

  addWindow(start: string, end: string, calls: number): void {
    this.start = this.start === undefined ? start : minTime(this.start, start);
    this.end = this.end === undefined ? end : maxTime(this.end, end);
    this.calls += calls;
  }

  build(): KeyUsageSummary {
    const usage = [...this.rows.entries()]
      .sort(([a], [b]) => byString(a, b))
      .map(([, row]): UsageRow => {
        const out: UsageRow = {
          keyArn: row.keyArn,
          principal: row.principal,
          operation: row.operation,
          sourceAccount: row.sourceAccount,
          regions: [...row.regions].sort(byString),
          count: row.count,
          firstUse: row.firstUse,
          lastUse: row.lastUse,
          errors: [...row.errors.entries()]
            .sort(([a], [b]) => byString(a, b))
            .map(([code, e]) => ({ code, ...e })),
        };
        return row.requestIds.size > 0
          ? { ...out, requestIds: [...row.requestIds].sort(byString) }
          : out;
      });
    const administrative = [...this.admin.values()].sort(
      (a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || byString(a.eventId, b.eventId),
    );
    const summary = { calls: this.calls, usage, administrative };
    return this.start !== undefined && this.end !== undefined
      ? { window: { start: this.start, end: this.end }, ...summary }
      : summary;
  }
}

/**
 * Aggregates calls per key, principal, operation and source account. Duplicate deliveries of
 * one CloudTrail record (same `eventId`) count once. Administrative calls are also kept one by
 * one, and the request ids of successful Sign calls are kept for reconciliation.
 */
export function summarize(calls: Iterable<KmsCall>): KeyUsageSummary {
  const builder = new SummaryBuilder();
  const seen = new Set<string>();
  for (const call of calls) {
    if (seen.has(call.eventId)) continue;
    seen.add(call.eventId);
    const failed = call.errorCode !== undefined;
    builder.addRow({
      keyArn: call.keyArn,
      principal: call.principal,
      operation: call.operation,
      sourceAccount: call.sourceAccount,
      regions: [call.region],
      count: 1,
      firstUse: call.eventTime,
      lastUse: call.eventTime,
      errors:
        call.errorCode === undefined
          ? []
          : [{ code: call.errorCode, count: 1, first: call.eventTime, last: call.eventTime }],
      ...(call.operation === "Sign" && !failed && call.requestId
        ? { requestIds: [call.requestId] }
        : {}),
    });
    if (isAdministrative(call)) {
      const admin: { -readonly [K in keyof AdministrativeCall]: AdministrativeCall[K] } = {
        eventId: call.eventId,
        eventTime: call.eventTime,
        keyArn: call.keyArn,
        principal: call.principal,
        operation: call.operation,
        sourceAccount: call.sourceAccount,
        region: call.region,
      };
      if (call.requestId) admin.requestId = call.requestId;
      if (call.errorCode) admin.errorCode = call.errorCode;
      if (call.detail) admin.detail = call.detail;
      builder.addAdministrative(admin);
    }
    builder.addWindow(call.eventTime, call.eventTime, 1);
  }
  return builder.build();
}

/**
 * Combines summaries (for example every `key-usage.summarized` record of a week) into one.
 * Counts add up; request ids and administrative calls are unioned, so a summary delivered twice
 * inflates counts but never invents a Sign call or an administrative change.
 */
export function mergeSummaries(summaries: Iterable<KeyUsageSummary>): KeyUsageSummary {
  const builder = new SummaryBuilder();
  for (const summary of summaries) {
    for (const row of summary.usage) builder.addRow(row);
    for (const call of summary.administrative) builder.addAdministrative(call);
    if (summary.window) builder.addWindow(summary.window.start, summary.window.end, summary.calls);
  }
  return builder.build();
}

/** Keeps only the calls whose time falls in [since, until]. */
export function callsWithin(
  calls: Iterable<KmsCall>,
  since: Date | undefined,
  until: Date | undefined,
): KmsCall[] {
  const out: KmsCall[] = [];
  for (const call of calls) {
    const at = Date.parse(call.eventTime);
    if (since && at < since.getTime()) continue;
    if (until && at > until.getTime()) continue;
    out.push(call);
  }
  return out;
}
