import { setTimeout as sleep } from "node:timers/promises";
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { type AwsTarget, clientConfig } from "./aws-config.ts";

/** One evidence event to put on the bus. */
export interface BusEntry {
  /** EventBridge `source`; the evidence rule takes only sources starting with `evidence.`. */
  readonly source: string;
  /** EventBridge `detail-type`: the evidence event's `type`. */
  readonly detailType: string;
  /** The evidence event as JSON text (sent exactly as given). */
  readonly detail: string;
}

/** Raised when entries are still refused after every retry. */
export class PutEventsError extends Error {
  override readonly name = "PutEventsError";
  readonly failures: ReadonlyArray<{ entry: BusEntry; code?: string; message?: string }>;

  constructor(failures: ReadonlyArray<{ entry: BusEntry; code?: string; message?: string }>) {
    const first = failures[0];
    super(
      `${failures.length} event(s) were not accepted by the bus after retries (first: ${first?.code ?? "unknown"} ${first?.message ?? ""}); put them again`,
    );
    this.failures = failures;
  }
}

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_BATCH = 10;

/**
 * Puts evidence events on an EventBridge bus, 10 per call, retrying the entries EventBridge
 * reports as failed (FailedEntryCount) with exponential backoff and full jitter.
 */
export class EvidenceBus {
  readonly client: EventBridgeClient;
  readonly busName: string;
  readonly maxAttempts: number;

  constructor(options: { client: EventBridgeClient; busName: string; maxAttempts?: number }) {
    this.client = options.client;
    this.busName = options.busName;
    this.maxAttempts = options.maxAttempts ?? 6;
  }

  static forTarget(target: AwsTarget, busName: string): EvidenceBus {
    return new EvidenceBus({ client: new EventBridgeClient(clientConfig(target)), busName });
  }

  /** Puts every entry; resolves with the EventBridge ids in entry order. */
  async put(entries: readonly BusEntry[]): Promise<string[]> {
    const ids: string[] = new Array(entries.length);
    for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH) {
      const batch = entries.slice(start, start + PUT_EVENTS_BATCH).map((entry, i) => ({
        entry,
        index: start + i,
      }));
      await this.putBatch(batch, ids);
    }
    return ids;
  }

  private async putBatch(
    batch: Array<{ entry: BusEntry; index: number }>,
    ids: string[],
  ): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const out = await this.client.send(
        new PutEventsCommand({ Entries: pending.map(({ entry }) => this.toRequest(entry)) }),
      );
      const failed: Array<{ entry: BusEntry; index: number; code?: string; message?: string }> = [];
      pending.forEach((item, i) => {
        const result = out.Entries?.[i];
        if (result?.EventId && !result.ErrorCode) ids[item.index] = result.EventId;
        else
          failed.push({
            ...item,
            ...(result?.ErrorCode ? { code: result.ErrorCode } : {}),
            ...(result?.ErrorMessage ? { message: result.ErrorMessage } : {}),
          });
      });
      if (failed.length === 0) return;
      if (attempt >= this.maxAttempts) {
        throw new PutEventsError(failed.map(({ index: _index, ...failure }) => failure));
      }
      pending = failed;
      await sleep(Math.random() * Math.min(5_000, 50 * 2 ** attempt));
    }
  }

  private toRequest(entry: BusEntry): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: entry.detail,
    };
  }
}
