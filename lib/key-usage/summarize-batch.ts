import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { JsonObject } from "../core/canonical/json-value.ts";
import { kmsCallFrom } from "../core/key-usage/cloudtrail.ts";
import { batchIdOf, summaryEvents } from "../core/key-usage/event.ts";
import { summarize } from "../core/key-usage/summary.ts";

/** The EventBridge source of key-usage evidence. */
export const KEY_USAGE_SOURCE = "evidence.key-usage";

/** Where summaries go: the evidence bus (the bus adapter's `put`). */
export interface SummaryBus {
  put(
    entries: ReadonlyArray<{ source: string; detailType: string; detail: string }>,
  ): Promise<string[]>;
}

/** Logging the summarizer does, shaped like Powertools' Logger. */
export interface SummaryLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** Metrics the summarizer emits (namespace EvidencePlane). */
export interface SummaryMetrics {
  addMetric(
    name: "KeyCallsSummarized" | "KeyUsageSummaries" | "KeyUsageUnreadable",
    unit: "Count",
    value: number,
  ): void;
}

export interface SummarizeDeps {
  readonly bus: SummaryBus;
  /** Checks a summary against the catalogue before it is sent (the ingest checks it again). */
  readonly validate: (event: unknown) => { valid: boolean };
  /** Who summarizes: the function's ARN. */
  readonly actor: { readonly id: string; readonly displayName?: string };
  readonly logger: SummaryLogger;
  readonly metrics?: SummaryMetrics;
}

/** A summary the catalogue refuses: a defect in the summarizer, never silently dropped. */
export class SummaryRejectedError extends Error {
  override readonly name = "SummaryRejectedError";
}

/**
 * Summarizes one SQS batch of "AWS API Call via CloudTrail" events into `key-usage.summarized`
 * events (one, or several parts for a large batch) and puts them on the evidence bus.
 *
 * Recording a summary costs the ingest one Sign call; CloudTrail reports that call a few
 * minutes later and it lands in a later batch, where it is counted with everything else. So the
 * plane's own signing never produces one event per Sign: in a quiet period the summaries settle
 * at one per batching window, each counting the previous one's Sign call.
 *
 * A message that is not JSON is reported as a batch item failure (after its retries it reaches
 * the queue's DLQ, which alarms); messages that are not KMS calls on a key are counted and
 * dropped. If the bus refuses the summary the whole batch fails and is retried; summary ids come
 * from the batch's CloudTrail event ids, so a retry is recorded once.
 */
export async function summarizeBatch(
  event: SQSEvent,
  deps: SummarizeDeps,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  const calls = [];
  const eventIds: string[] = [];
  for (const message of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      deps.logger.error("key-usage message is not JSON; it goes to the dead-letter queue", {
        messageId: message.messageId,
      });
      deps.metrics?.addMetric("KeyUsageUnreadable", "Count", 1);
      failures.push({ itemIdentifier: message.messageId });
      continue;
    }
    const call = kmsCallFrom(body);
    if (call) {
      calls.push(call);
      eventIds.push(call.eventId);
    } else {
      deps.logger.warn("message is not a KMS call on a key; not counted", {
        messageId: message.messageId,
      });
    }
  }
  if (calls.length === 0) return { batchItemFailures: failures };

  const summary = summarize(calls);
  const batch = { id: batchIdOf(eventIds), messages: event.Records.length - failures.length };
  const events: JsonObject[] = summaryEvents(summary, batch, deps.actor);
  for (const summaryEvent of events) {
    if (!deps.validate(summaryEvent).valid) {
      throw new SummaryRejectedError(
        `summary ${String(summaryEvent.id)} does not match the key-usage.summarized schema; the batch stays on the queue`,
      );
    }
  }
  await deps.bus.put(
    events.map((e) => ({
      source: KEY_USAGE_SOURCE,
      detailType: String(e.type),
      detail: JSON.stringify(e),
    })),
  );
  deps.metrics?.addMetric("KeyCallsSummarized", "Count", summary.calls);
  deps.metrics?.addMetric("KeyUsageSummaries", "Count", events.length);
  deps.logger.info("key usage summarized", {
    batchId: batch.id,
    calls: summary.calls,
    summaries: events.map((e) => e.id),
    firstCall: summary.window?.start,
    lastCall: summary.window?.end,
  });
  return { batchItemFailures: failures };
}
