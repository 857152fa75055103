import { setTimeout as sleep } from "node:timers/promises";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { QueueMessage, SqsQueue } from "../adapters/queue.ts";

/** Options of a local SQS event source mapping. */
export interface SqsPollerOptions {
  readonly queue: SqsQueue;
  readonly queueArn: string;
  readonly region: string;
  /** The function: an SQS event in, the failed message ids out. */
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  /** @default 10 */
  readonly batchSize?: number;
  /** Concurrent pollers (Lambda scales pollers with the queue). @default 2 */
  readonly concurrency?: number;
  /** Seconds a received batch stays hidden. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Seconds before a failed message is visible again. Lambda leaves it hidden for the rest of
   * the visibility timeout; locally a short delay keeps retries quick.
   * @default 1
   */
  readonly retryDelaySeconds?: number;
  /** Told about a batch whose function call threw (the batch is retried). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Polls an SQS queue and invokes a handler the way Lambda's SQS event source mapping does:
 * batches of up to 10, ReportBatchItemFailures (failed messages become visible again; the queue's
 * redrive policy moves a message to its DLQ after maxReceiveCount deliveries), a thrown error
 * fails the whole batch, and successes are deleted.
 */
export class SqsPoller {
  private readonly options: SqsPollerOptions;
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  /** Start times of the batches in hand, for telling where a plane is stuck. */
  private readonly inHand = new Set<{ readonly since: number }>();

  constructor(options: SqsPollerOptions) {
    this.options = options;
  }

  start(): void {
    const concurrency = this.options.concurrency ?? 2;
    for (let i = 0; i < concurrency; i++) this.loops.push(this.loop());
  }

  /**
   * True while no poller has a batch in hand. Once the queue is empty this stays true, so
   * unlike a poll in progress it can be sampled.
   */
  get isIdle(): boolean {
    return this.inHand.size === 0;
  }

  /** What the pollers are doing, in words. */
  describe(): string {
    if (this.inHand.size === 0) return "queue pollers idle";
    const oldest = Math.min(...[...this.inHand].map((batch) => batch.since));
    return `${this.inHand.size} queue batch(es) in hand, the oldest for ${Math.round((Date.now() - oldest) / 1000)} s`;
  }

  /** Stops polling and waits for batches in hand to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    const { queue } = this.options;
    while (!this.abort.signal.aborted) {
      let messages: QueueMessage[];
      try {
        messages = await queue.receive({
          max: this.options.batchSize ?? 10,
          visibilityTimeoutSeconds: this.options.visibilityTimeoutSeconds ?? 30,
          waitSeconds: 1,
          abortSignal: this.abort.signal,
        });
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.options.onError?.(error);
        await sleep(500);
        continue;
      }
      if (messages.length === 0) continue;
      const batch = { since: Date.now() };
      this.inHand.add(batch);
      try {
        await this.deliver(messages);
      } finally {
        this.inHand.delete(batch);
      }
    }
  }

  private async deliver(messages: QueueMessage[]): Promise<void> {
    const { queue, handler } = this.options;
    let failedIds: Set<string>;
    try {
      const response = await handler({ Records: messages.map((m) => this.toRecord(m)) });
      failedIds = new Set(response?.batchItemFailures.map((f) => f.itemIdentifier) ?? []);
    } catch (error) {
      this.options.onError?.(error);
      failedIds = new Set(messages.map((m) => m.messageId));
    }
    const succeeded = messages.filter((m) => !failedIds.has(m.messageId));
    const failed = messages.filter((m) => failedIds.has(m.messageId));
    try {
      if (succeeded.length > 0) await queue.delete(succeeded);
      if (failed.length > 0) await queue.release(failed, this.options.retryDelaySeconds ?? 1);
    } catch (error) {
      // Unacknowledged messages come back after the visibility timeout: delivered again, never lost.
      this.options.onError?.(error);
    }
  }

  private toRecord(message: QueueMessage): SQSRecord {
    const attrs = message.attributes;
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? "1",
        SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
        SenderId: attrs.SenderId ?? "",
        ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? "",
      },
      messageAttributes: {},
      md5OfBody: message.md5OfBody,
      eventSource: "aws:sqs",
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    };
  }
}
