import type { DynamoEventStore, StoredRecord } from "../adapters/event-store.ts";
import { summaryOfEvent } from "../core/key-usage/event.ts";
import type { LedgerSignature } from "../core/key-usage/reconcile.ts";
import { type KeyUsageSummary, mergeSummaries } from "../core/key-usage/summary.ts";
import { CONTROL_STREAMS } from "../core/records/index.ts";

/** The stream key-usage evidence is kept in. */
export const KEY_USAGE_STREAM = CONTROL_STREAMS["key-usage."];

/** The parts of the event table a review reads; {@link DynamoEventStore} has them. */
export type LedgerStore = Pick<DynamoEventStore, "queryIndex" | "abandonedSignatures">;

/** What a review reads from the ledger for a window. */
export interface OnlineLedger {
  /** Key usage from the `key-usage.summarized` records whose calls overlap the window. */
  readonly summary: KeyUsageSummary;
  readonly summaries: number;
  /** Signatures of the records received in the window, and every abandoned signature. */
  readonly signatures: LedgerSignature[];
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The days (UTC, `YYYY-MM-DD`) from `since` to `until`, both included. */
export function daysBetween(since: Date, until: Date): string[] {
  const days: string[] = [];
  const start = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
  for (let at = start; at <= until.getTime(); at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

function signatureOf(stored: StoredRecord, signed: Obj): LedgerSignature | undefined {
  const signature = isObject(signed.signature) ? signed.signature : undefined;
  if (!signature || typeof signature.keyId !== "string") return undefined;
  const requestId =
    typeof signature.requestId === "string" ? signature.requestId : stored.kmsRequestId;
  return {
    kind: "record",
    ref: `${stored.stream}#${stored.seq}`,
    keyId: signature.keyId,
    ...(requestId ? { requestId } : {}),
    ...(typeof signature.signedAt === "string" ? { signedAt: signature.signedAt } : {}),
  };
}

function summaryOf(signed: Obj): KeyUsageSummary | undefined {
  const record = isObject(signed.record) ? signed.record : undefined;
  const event = record && isObject(record.event) ? record.event : undefined;
  if (event?.type !== "key-usage.summarized" || !isObject(event.data)) return undefined;
  return summaryOfEvent(event as unknown as Parameters<typeof summaryOfEvent>[0]);
}

function overlaps(summary: KeyUsageSummary, since: Date, until: Date): boolean {
  if (!summary.window) return false;
  return (
    Date.parse(summary.window.end) >= since.getTime() &&
    Date.parse(summary.window.start) <= until.getTime()
  );
}

/**
 * Reads a window of the ledger from the event table, a day at a time through its `byDay` index:
 * the key-usage summaries (from the day the window starts to the day after it ends, since a
 * summary is recorded after the calls it counts) and the signatures of every record received in
 * the window, plus every abandoned signature.
 */
export async function readOnlineLedger(
  store: LedgerStore,
  window: { readonly since: Date; readonly until: Date },
  onDay?: (day: string) => void,
): Promise<OnlineLedger> {
  const summaries: KeyUsageSummary[] = [];
  const signatures: LedgerSignature[] = [];
  const lastDay = new Date(Math.min(window.until.getTime() + 86_400_000, Date.now()));
  for (const day of daysBetween(window.since, lastDay)) {
    onDay?.(day);
    for await (const stored of store.queryIndex("byDay", day)) {
      let signed: unknown;
      try {
        signed = JSON.parse(stored.signed);
      } catch {
        continue;
      }
      if (!isObject(signed)) continue;
      const received = Date.parse(stored.receivedAt);
      if (received >= window.since.getTime() && received <= window.until.getTime()) {
        const signature = signatureOf(stored, signed);
        if (signature) signatures.push(signature);
      }
      if (stored.stream === KEY_USAGE_STREAM) {
        const summary = summaryOf(signed);
        if (summary && overlaps(summary, window.since, window.until)) summaries.push(summary);
      }
    }
  }
  for await (const abandoned of store.abandonedSignatures()) {
    signatures.push({
      kind: "abandoned",
      ref: `sig#${abandoned.requestId}`,
      keyId: abandoned.keyId,
      requestId: abandoned.requestId,
      signedAt: abandoned.signedAt,
    });
  }
  return { summary: mergeSummaries(summaries), summaries: summaries.length, signatures };
}
