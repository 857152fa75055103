import { canonicalize } from "../canonical/index.ts";
import type { JsonObject } from "../canonical/json-value.ts";
import { sha256Digest } from "../digest.ts";
import {
  MAX_ADMINISTRATIVE_CALLS,
  MAX_SIGN_REQUEST_IDS,
  MAX_USAGE_ROWS,
} from "../events/types/key-usage.ts";
import type { AdministrativeCall, KeyUsageSummary, UsageRow } from "./summary.ts";

/** The event type that carries key usage into the ledger. */
export const KEY_USAGE_EVENT_TYPE = "key-usage.summarized";

/**
 * Id of a batch of CloudTrail events: SHA-256 over their sorted event ids, so a batch delivered
 * again yields the same summary ids and the ingest records it once.
 */
export function batchIdOf(eventIds: Iterable<string>): string {
  const sorted = [...new Set(eventIds)].sort();
  return sha256Digest(canonicalize(sorted)).slice("sha256:".length, "sha256:".length + 40);
}

interface Part {
  usage: UsageRow[];
  administrative: AdministrativeCall[];
  requestIds: number;
}

/** Splits a row whose request ids do not fit in `room`: the first piece takes `room` Sign calls. */
function splitRow(row: UsageRow, room: number): [UsageRow, UsageRow] {
  const ids = row.requestIds ?? [];
  const head: UsageRow = { ...row, count: room, errors: [], requestIds: ids.slice(0, room) };
  const tail: UsageRow = { ...row, count: row.count - room, requestIds: ids.slice(room) };
  return [head, tail];
}

/** Cuts a summary into parts that each fit one event (rows, administrative calls, request ids). */
export function splitSummary(summary: KeyUsageSummary): Part[] {
  const parts: Part[] = [];
  let current: Part = { usage: [], administrative: [], requestIds: 0 };
  const close = () => {
    parts.push(current);
    current = { usage: [], administrative: [], requestIds: 0 };
  };
  const pending = [...summary.usage];
  while (pending.length > 0) {
    const row = pending.shift() as UsageRow;
    if (current.usage.length >= MAX_USAGE_ROWS) close();
    const ids = row.requestIds?.length ?? 0;
    const room = MAX_SIGN_REQUEST_IDS - current.requestIds;
    if (ids <= room) {
      current.usage.push(row);
      current.requestIds += ids;
      continue;
    }
    if (room === 0) {
      close();
      pending.unshift(row);
      continue;
    }
    const [head, tail] = splitRow(row, room);
    current.usage.push(head);
    current.requestIds += room;
    close();
    pending.unshift(tail);
  }
  for (const call of summary.administrative) {
    if (current.administrative.length >= MAX_ADMINISTRATIVE_CALLS) close();
    current.administrative.push(call);
  }
  if (current.usage.length > 0 || current.administrative.length > 0 || parts.length === 0) close();
  return parts;
}

function toJson<T>(value: T): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/**
 * The `key-usage.summarized` events for one batch's summary: one event, or several parts when the
 * batch is larger than one event may carry. Ids are `key-usage-<batch id>-<part>`.
 */
export function summaryEvents(
  summary: KeyUsageSummary,
  batch: { readonly id: string; readonly messages: number },
  actor: { readonly id: string; readonly displayName?: string },
): JsonObject[] {
  if (!summary.window) return [];
  const { start, end } = summary.window;
  const parts = splitSummary(summary);
  return parts.map((part, index) => ({
    id: `key-usage-${batch.id}-${index + 1}`,
    type: KEY_USAGE_EVENT_TYPE,
    specVersion: "1.0",
    occurredAt: end,
    actor: toJson({ kind: "workload", ...actor }),
    subject: {},
    data: toJson({
      firstCall: start,
      lastCall: end,
      calls: part.usage.reduce((n, row) => n + row.count, 0),
      usage: part.usage,
      administrative: part.administrative,
      batch: { id: batch.id, part: index + 1, parts: parts.length, messages: batch.messages },
    }),
  }));
}

/** The summary a `key-usage.summarized` event carries, for merging with others. */
export function summaryOfEvent(event: {
  readonly data: {
    readonly firstCall: string;
    readonly lastCall: string;
    readonly calls: number;
    readonly usage: readonly UsageRow[];
    readonly administrative: readonly AdministrativeCall[];
  };
}): KeyUsageSummary {
  const { data } = event;
  return {
    window: { start: data.firstCall, end: data.lastCall },
    calls: data.calls,
    usage: data.usage,
    administrative: data.administrative,
  };
}
