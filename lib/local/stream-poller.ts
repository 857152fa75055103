import { setTimeout as sleep } from "node:timers/promises";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { DynamoStreamReader, StreamRecord } from "../adapters/streams.ts";

/** A record the mapping gave up on: what Lambda sends to the on-failure destination. */
export interface StreamFailure {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly keys: unknown;
  readonly attempts: number;
  readonly error: string;
}

/** Options of a local DynamoDB stream event source mapping. */
export interface StreamPollerOptions {
  readonly reader: DynamoStreamReader;
  readonly region: string;
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  /** @default 100 */
  readonly batchSize?: number;
  /** Retries of a failing record before it goes to `onFailure`. @default 3 */
  readonly maxRetries?: number;
  /** Split a batch that keeps failing to isolate the bad record. @default true */
  readonly bisectOnError?: boolean;
  /** The on-failure destination (the plane sends to an SQS queue). */
  readonly onFailure: (failure: StreamFailure) => Promise<void>;
  readonly onError?: (error: unknown) => void;
  /** Milliseconds between polls of an empty shard. @default 200 */
  readonly idleMs?: number;
  /** First retry delay, doubled on each retry up to 2 s. @default 50 */
  readonly retryBaseMs?: number;
}

/**
 * Reads a DynamoDB stream and invokes a handler the way Lambda's stream event source mapping
 * does: batches in shard order, ReportBatchItemFailures (resume from the lowest failed sequence
 * number, so later successes run again), bisect on error, a retry limit, and an on-failure
 * destination so one bad record never blocks its shard. Takes a fresh iterator for every read.
 */
export class StreamPoller {
  private readonly options: StreamPollerOptions;
  private readonly checkpoints = new Map<string, string | undefined>();
  private readonly attempts = new Map<string, number>();
  private stopped = false;
  private loopDone: Promise<void> | undefined;
  private busy = false;
  private pollStartedAt = 0;
  private polls = 0;
  /** When the latest round that found nothing in any shard started. */
  private lastEmptyRoundStartedAt = Number.NEGATIVE_INFINITY;

  constructor(options: StreamPollerOptions) {
    this.options = options;
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /**
   * True when a round over every shard that started at or after `time` found nothing new: the
   * stream held nothing undelivered at that time. An event, not a sample of what the poller is
   * doing right now, so a slow emulator cannot hide it.
   */
  foundNothingSince(time: number): boolean {
    return this.lastEmptyRoundStartedAt >= time;
  }

  /** What the mapping is doing, in words. */
  describe(): string {
    const retrying = [...this.attempts].map(([shard, n]) => `${shard} on attempt ${n}`);
    const seconds = (since: number) => Math.round((Date.now() - since) / 1000);
    const state = this.busy
      ? `stream poll ${this.polls} running for ${seconds(this.pollStartedAt)} s`
      : `stream poll ${this.polls} done`;
    const empty = Number.isFinite(this.lastEmptyRoundStartedAt)
      ? `, the last empty one ${seconds(this.lastEmptyRoundStartedAt)} s ago`
      : ", none empty yet";
    const retries = retrying.length > 0 ? `; retrying ${retrying.join(", ")}` : "";
    return `${state}${empty}${retries}`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      let failed = false;
      this.busy = true;
      this.polls++;
      this.pollStartedAt = Date.now();
      try {
        for (const shardId of await this.options.reader.shards()) {
          if (this.stopped) break;
          if (await this.pollShard(shardId)) worked = true;
        }
      } catch (error) {
        failed = true;
        this.options.onError?.(error);
      } finally {
        this.busy = false;
      }
      if (!worked && !failed) this.lastEmptyRoundStartedAt = this.pollStartedAt;
      if (!worked) await sleep(this.options.idleMs ?? 200);
    }
  }

  /** Reads and delivers one batch of a shard; true when there was something to deliver. */
  private async pollShard(shardId: string): Promise<boolean> {
    const after = this.checkpoints.get(shardId);
    const limit = this.batchLimit(shardId);
    const records = await this.options.reader.read(shardId, after, limit);
    if (records.length === 0) return false;
    let failedAt: number | undefined;
    let error = "";
    try {
      const response = await this.options.handler({
        Records: records.map((record) => this.toLambdaRecord(record)),
      });
      const failed = new Set(response?.batchItemFailures.map((f) => f.itemIdentifier) ?? []);
      const index = records.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ""));
      if (index >= 0) {
        failedAt = index;
        error = "the function reported the record as failed";
      }
    } catch (thrown) {
      failedAt = 0;
      error = thrown instanceof Error ? thrown.message : String(thrown);
      this.options.onError?.(thrown);
    }
    if (failedAt === undefined) {
      this.advance(shardId, records[records.length - 1]);
      this.attempts.delete(shardId);
      return true;
    }
    // Everything before the first failure is done; resume at the failure.
    if (failedAt > 0) {
      this.advance(shardId, records[failedAt - 1]);
      this.attempts.delete(shardId);
      return true;
    }
    const attempts = (this.attempts.get(shardId) ?? 0) + 1;
    this.attempts.set(shardId, attempts);
    const first = records[0];
    if (attempts > (this.options.maxRetries ?? 3) && first && (limit === 1 || !this.bisects())) {
      await this.options.onFailure({
        shardId,
        sequenceNumber: first.dynamodb?.SequenceNumber ?? "",
        keys: first.dynamodb?.Keys,
        attempts,
        error,
      });
      this.advance(shardId, first);
      this.attempts.delete(shardId);
      return true;
    }
    await sleep(Math.min(2_000, (this.options.retryBaseMs ?? 50) * 2 ** attempts));
    return true;
  }

  private bisects(): boolean {
    return this.options.bisectOnError ?? true;
  }

  /** Batch size for the next read: halved on every failed attempt when bisecting. */
  private batchLimit(shardId: string): number {
    const base = this.options.batchSize ?? 100;
    const attempts = this.attempts.get(shardId) ?? 0;
    if (!this.bisects() || attempts === 0) return base;
    return Math.max(1, Math.floor(base / 2 ** attempts));
  }

  private advance(shardId: string, record: StreamRecord | undefined): void {
    const sequence = record?.dynamodb?.SequenceNumber;
    if (sequence) this.checkpoints.set(shardId, sequence);
  }

  private toLambdaRecord(record: StreamRecord): DynamoDBRecord {
    return {
      eventID: record.eventID ?? "",
      eventName: record.eventName as DynamoDBRecord["eventName"],
      eventVersion: record.eventVersion ?? "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: this.options.region,
      eventSourceARN: this.options.reader.streamArn,
      dynamodb: record.dynamodb as DynamoDBRecord["dynamodb"],
    };
  }
}
