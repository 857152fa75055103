import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { DynamoStreamReader, StreamRecord } from "../../lib/adapters/streams.ts";
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
});
