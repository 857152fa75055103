import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { QueueMessage, SqsQueue } from "../../lib/adapters/queue.ts";
import type { DynamoStreamReader, StreamRecord } from "../../lib/adapters/streams.ts";
import { SqsPoller } from "../../lib/local/sqs-poller.ts";
import { type StreamFailure, StreamPoller } from "../../lib/local/stream-poller.ts";

/** One shard holding records with sequence numbers 1..n. */
function fakeReader(n: number): DynamoStreamReader {
  const records: StreamRecord[] = Array.from({ length: n }, (_, i) => ({
    eventID: `e${i + 1}`,
    eventName: "INSERT",
    dynamodb: { SequenceNumber: String(i + 1), Keys: { sk: { N: String(i + 1) } } },
  }));
  return {
    streamArn: "arn:stream",
    shards: async () => ["shard-1"],
    read: async (_shard: string, after: string | undefined, limit: number) => {
      const start = after === undefined ? 0 : Number(after);
      return records.slice(start, start + limit);
    },
  } as unknown as DynamoStreamReader;
}

/** Runs a poller until `done` says so, then stops it. */
async function runUntil(poller: StreamPoller, done: () => boolean): Promise<void> {
  poller.start();
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
  await poller.stop();
}

describe("StreamPoller (the local DynamoDB stream event source mapping)", () => {
  it("resumes at the lowest failed record, so later successes are delivered again", async () => {
    const delivered: string[][] = [];
    let failOnce = true;
    const poller = new StreamPoller({
      reader: fakeReader(5),
      region: "us-east-1",
      batchSize: 10,
      idleMs: 1,
      retryBaseMs: 1,
      onFailure: async () => {},
      handler: async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
        const seqs = event.Records.map((r) => r.dynamodb?.SequenceNumber ?? "");
        delivered.push(seqs);
        if (failOnce && seqs.includes("3")) {
          failOnce = false;
          return { batchItemFailures: [{ itemIdentifier: "3" }, { itemIdentifier: "5" }] };
        }
        return { batchItemFailures: [] };
      },
    });

    await runUntil(poller, () => delivered.flat().filter((s) => s === "5").length >= 2);

    expect(delivered.slice(0, 2)).toEqual([
      ["1", "2", "3", "4", "5"],
      ["3", "4", "5"],
    ]);
  });

  it("bisects a failing batch, sends the poison record to on-failure, and goes on", async () => {
    const failures: StreamFailure[] = [];
    const done: string[] = [];
    const poller = new StreamPoller({
      reader: fakeReader(8),
      region: "us-east-1",
      batchSize: 8,
      maxRetries: 2,
      idleMs: 1,
      retryBaseMs: 1,
      onFailure: async (failure) => {
        failures.push(failure);
      },
      handler: async (event: DynamoDBStreamEvent) => {
        const seqs = event.Records.map((r) => r.dynamodb?.SequenceNumber ?? "");
        if (seqs.includes("4")) throw new Error("poison record");
        done.push(...seqs);
        return { batchItemFailures: [] };
      },
    });

    await runUntil(poller, () => done.includes("8"));

    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ sequenceNumber: "4", error: "poison record" });
    expect(failures[0]?.attempts).toBeGreaterThan(2);
    expect(done).toEqual(expect.arrayContaining(["1", "2", "3", "5", "6", "7", "8"]));
    expect(done).not.toContain("4");
  });

  it("tells when a whole round found nothing, however long each read takes", async () => {
    // Every read waits until the test answers it: the poller is mid-read for as long as the test
    // likes, as with a slow emulator.
    const answers: Array<(records: StreamRecord[] | Error) => void> = [];
    const base = fakeReader(3);
    const gatedReader = {
      streamArn: base.streamArn,
      shards: base.shards,
      read: async (shard: string, after: string | undefined, limit: number) => {
        const answer = await new Promise<StreamRecord[] | Error>((resolve) =>
          answers.push(resolve),
        );
        if (answer instanceof Error) throw answer;
        return answer.length === 0 ? [] : base.read(shard, after, limit);
      },
    } as unknown as DynamoStreamReader;
    const nextRead = async () => {
      while (answers.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      return answers.shift() as (records: StreamRecord[] | Error) => void;
    };
    const delivered: string[] = [];
    const poller = new StreamPoller({
      reader: gatedReader,
      region: "us-east-1",
      idleMs: 1,
      onFailure: async () => {},
      handler: async (event: DynamoDBStreamEvent) => {
        delivered.push(...event.Records.map((r) => r.dynamodb?.SequenceNumber ?? ""));
        return { batchItemFailures: [] };
      },
    });
    const startedAt = Date.now();
    poller.start();
    try {
      // A round that delivers is not an empty one.
      (await nextRead())([{}]);
      const second = await nextRead();
      expect(delivered).toEqual(["1", "2", "3"]);
      expect(poller.foundNothingSince(startedAt)).toBe(false);

      // The next round finds nothing: from then on the stream held nothing new since startedAt.
      second([]);
      while (!poller.foundNothingSince(startedAt)) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }

      // A round that fails is not an empty one: nothing is known about the stream.
      await new Promise((resolve) => setTimeout(resolve, 5)); // a later millisecond
      const failingFrom = Date.now();
      (await nextRead())(new Error("emulator unavailable"));
      const afterFailure = await nextRead();
      expect(poller.foundNothingSince(failingFrom)).toBe(false);
      afterFailure([]);
    } finally {
      const stopped = poller.stop();
      // Answer whatever read the poller makes before it sees the stop.
      const drain = setInterval(() => answers.shift()?.([]), 1);
      await stopped;
      clearInterval(drain);
    }
  });
});

/** A queue holding messages m1..mn, delivered once each, recording deletes and releases. */
function fakeQueue(n: number) {
  const pending: QueueMessage[] = Array.from({ length: n }, (_, i) => ({
    messageId: `m${i + 1}`,
    receiptHandle: `r${i + 1}`,
    body: `{"n":${i + 1}}`,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1" },
    md5OfBody: "",
  }));
  const deleted: string[] = [];
  const released: string[] = [];
  const queue = {
    receive: async ({ max }: { max: number }) => {
      const batch = pending.splice(0, max);
      if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      return batch;
    },
    delete: async (messages: QueueMessage[]) => {
      deleted.push(...messages.map((m) => m.messageId));
    },
    release: async (messages: QueueMessage[]) => {
      released.push(...messages.map((m) => m.messageId));
    },
  };
  return { queue: queue as unknown as SqsQueue, deleted, released };
}

describe("SqsPoller (the local SQS event source mapping)", () => {
  it("deletes what succeeded and makes the reported failures visible again", async () => {
    const { queue, deleted, released } = fakeQueue(4);
    const events: SQSEvent[] = [];
    const poller = new SqsPoller({
      queue,
      queueArn: "arn:q",
      region: "us-east-1",
      concurrency: 1,
      batchSize: 4,
      handler: async (event) => {
        events.push(event);
        return { batchItemFailures: [{ itemIdentifier: "m2" }] };
      },
    });

    poller.start();
    while (deleted.length + released.length < 4) await new Promise((r) => setTimeout(r, 2));
    await poller.stop();

    expect(deleted).toEqual(["m1", "m3", "m4"]);
    expect(released).toEqual(["m2"]);
    expect(events[0]?.Records[0]).toMatchObject({
      messageId: "m1",
      body: '{"n":1}',
      eventSource: "aws:sqs",
      eventSourceARN: "arn:q",
      attributes: { ApproximateReceiveCount: "1" },
    });
  });

  it("fails the whole batch when the function throws", async () => {
    const { queue, deleted, released } = fakeQueue(3);
    const errors: unknown[] = [];
    const poller = new SqsPoller({
      queue,
      queueArn: "arn:q",
      region: "us-east-1",
      concurrency: 1,
      handler: async () => {
        throw new Error("crash");
      },
      onError: (error) => errors.push(error),
    });

    poller.start();
    while (released.length < 3) await new Promise((r) => setTimeout(r, 2));
    await poller.stop();

    expect(deleted).toEqual([]);
    expect(released).toEqual(["m1", "m2", "m3"]);
    expect(errors).toHaveLength(1);
  });
});
