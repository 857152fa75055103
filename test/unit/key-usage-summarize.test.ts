import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createKeyUsageHandler } from "../../functions/key-usage.ts";
import { validateEvent } from "../../lib/core/events/index.ts";
import { summaryOfEvent } from "../../lib/core/key-usage/event.ts";
import { kmsCallFrom, mergeSummaries, summarize } from "../../lib/core/key-usage/index.ts";
import {
  KEY_USAGE_SOURCE,
  type SummarizeDeps,
  summarizeBatch,
} from "../../lib/key-usage/summarize-batch.ts";

const LOGS = join(
  import.meta.dirname,
  "../fixtures/cloudtrail/logs/AWSLogs/111122223333/CloudTrail",
);

/** Every CloudTrail record of the corpus, as EventBridge delivers it to the key-usage queue. */
function corpusMessages(): SQSRecord[] {
  const records: unknown[] = [];
  for (const entry of readdirSync(LOGS, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = JSON.parse(
      gunzipSync(readFileSync(join(entry.parentPath, entry.name))).toString(),
    ) as { Records: unknown[] };
    records.push(...file.Records);
  }
  return records.map((detail, index) => message(index, eventBridge(detail)));
}

function eventBridge(detail: unknown) {
  return {
    version: "0",
    id: `eb-${Math.random()}`,
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.kms",
    account: "111122223333",
    time: "2025-06-02T10:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail,
  };
}

function message(index: number, body: unknown): SQSRecord {
  return {
    messageId: `m-${index}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
  } as SQSRecord;
}

function signDetail(index: number) {
  return {
    eventVersion: "1.11",
    userIdentity: {
      type: "AssumedRole",
      arn: "arn:aws:sts::111122223333:assumed-role/evidence-ingest/fn",
      accountId: "111122223333",
      sessionContext: {
        sessionIssuer: { type: "Role", arn: "arn:aws:iam::111122223333:role/evidence-ingest" },
      },
    },
    eventTime: new Date(Date.UTC(2025, 5, 2, 10, 0, 0) + index * 10)
      .toISOString()
      .replace(/\.\d+Z$/, "Z"),
    eventSource: "kms.amazonaws.com",
    eventName: "Sign",
    awsRegion: "eu-west-1",
    requestParameters: { keyId: "k", messageType: "RAW", signingAlgorithm: "ECDSA_SHA_256" },
    responseElements: null,
    requestID: `req-${String(index).padStart(6, "0")}`,
    eventID: `evt-${String(index).padStart(6, "0")}`,
    readOnly: true,
    resources: [
      {
        accountId: "111122223333",
        type: "AWS::KMS::Key",
        ARN: "arn:aws:kms:eu-west-1:111122223333:key/mrk-1",
      },
    ],
    eventType: "AwsApiCall",
    recipientAccountId: "111122223333",
  };
}

function deps(): SummarizeDeps & {
  sent: Array<{ source: string; detailType: string; detail: string }>;
} {
  const sent: Array<{ source: string; detailType: string; detail: string }> = [];
  return {
    sent,
    bus: {
      async put(entries) {
        sent.push(...entries);
        return entries.map((_, i) => `eb-${i}`);
      },
    },
    validate: validateEvent,
    actor: { id: "arn:aws:lambda:eu-west-1:111122223333:function:evidence-key-usage" },
    logger: { info() {}, warn() {}, error() {} },
  };
}

const sqs = (records: SQSRecord[]): SQSEvent => ({ Records: records });

describe("summarizeBatch", () => {
  it("turns a batch of CloudTrail events into one valid summary on the bus", async () => {
    // Prepare
    const messages = corpusMessages();
    const d = deps();

    // Act
    const result = await summarizeBatch(sqs(messages), d);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(d.sent).toHaveLength(1);
    expect(d.sent[0]).toMatchObject({
      source: KEY_USAGE_SOURCE,
      detailType: "key-usage.summarized",
    });
    const event = JSON.parse(d.sent[0]?.detail ?? "");
    expect(validateEvent(event).valid).toBe(true);
    const expected = summarize(messages.flatMap((m) => kmsCallFrom(JSON.parse(m.body)) ?? []));
    expect(summaryOfEvent(event)).toEqual(expected);
  });

  it("counts the plane's own Sign calls in one summary per batch, never one event per Sign", async () => {
    const d = deps();
    await summarizeBatch(
      sqs(Array.from({ length: 100 }, (_, i) => message(i, eventBridge(signDetail(i))))),
      d,
    );
    expect(d.sent).toHaveLength(1);
    expect(JSON.parse(d.sent[0]?.detail ?? "").data).toMatchObject({
      calls: 100,
      usage: [{ operation: "Sign", count: 100 }],
    });
  });

  it("gives a redelivered batch the same summary id, so the ingest records it once", async () => {
    const batch = sqs(Array.from({ length: 5 }, (_, i) => message(i, eventBridge(signDetail(i)))));
    const first = deps();
    const again = deps();
    await summarizeBatch(batch, first);
    await summarizeBatch(sqs([...batch.Records].reverse()), again);
    expect(again.sent[0]?.detail).toBe(first.sent[0]?.detail);
  });

  it("splits a batch with more Sign calls than one event carries into parts that add up", async () => {
    // Prepare
    const messages = Array.from({ length: 4500 }, (_, i) => message(i, eventBridge(signDetail(i))));
    const d = deps();

    // Act
    await summarizeBatch(sqs(messages), d);

    // Assess
    const events = d.sent.map((s) => JSON.parse(s.detail));
    expect(events.map((e) => e.data.batch)).toMatchObject([
      { part: 1, parts: 2 },
      { part: 2, parts: 2 },
    ]);
    for (const event of events) expect(validateEvent(event).valid).toBe(true);
    const merged = mergeSummaries(events.map(summaryOfEvent));
    expect(merged.calls).toBe(4500);
    expect(merged.usage[0]?.requestIds).toHaveLength(4500);
  });

  it("fails only the message that is not JSON and summarizes the rest", async () => {
    const d = deps();
    const result = await summarizeBatch(
      sqs([message(0, "{not json"), message(1, eventBridge(signDetail(1)))]),
      d,
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-0" }]);
    expect(JSON.parse(d.sent[0]?.detail ?? "").data.calls).toBe(1);
  });

  it("puts nothing for a batch without KMS calls on a key", async () => {
    const d = deps();
    const result = await summarizeBatch(
      sqs([message(0, eventBridge({ eventSource: "s3.amazonaws.com" }))]),
      d,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(d.sent).toEqual([]);
  });

  it("fails the whole batch when the bus refuses, for the queue to retry", async () => {
    const d = deps();
    const refusing = { ...d, bus: { put: () => Promise.reject(new Error("throttled")) } };
    await expect(
      summarizeBatch(sqs([message(0, eventBridge(signDetail(0)))]), refusing),
    ).rejects.toThrow("throttled");
  });
});

describe("key-usage handler", () => {
  it("runs through middy with the function's ARN as the actor", async () => {
    // Prepare
    const d = deps();
    const handler = createKeyUsageHandler(
      (context) => ({ ...d, actor: { id: context.invokedFunctionArn } }),
      new Logger({ serviceName: "test", logLevel: "SILENT" }),
    );
    const context = {
      invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:ku",
      functionName: "ku",
      awsRequestId: "r",
    } as Context;

    // Act
    const result = await handler(sqs([message(0, eventBridge(signDetail(0)))]), context);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(JSON.parse(d.sent[0]?.detail ?? "").actor).toEqual({
      kind: "workload",
      id: "arn:aws:lambda:eu-west-1:111122223333:function:ku",
    });
  });
});
