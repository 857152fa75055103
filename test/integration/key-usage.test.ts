import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvidenceBus } from "../../lib/adapters/bus.ts";
import { validateEvent } from "../../lib/core/events/index.ts";
import type { KeyUsageReport } from "../../lib/core/key-usage/index.ts";
import { releaseStream } from "../../lib/core/records/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import { KEY_USAGE_STREAM } from "../../lib/key-usage/online.ts";
import { summarizeBatch } from "../../lib/key-usage/summarize-batch.ts";
import { demoRelease } from "../../lib/local/demo-release.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { runCli } from "../helpers/cli.ts";
import { putOnBus, startTestPlane, streamRecords } from "./plane.ts";

const RELEASE = "key-usage-it@1.0.0";
const INGEST_ROLE = "arn:aws:iam::123456789012:role/evidence-local-ingest";

/**
 * What CloudTrail would deliver for a Sign call (the emulator records none), wrapped as
 * EventBridge puts it on the key-usage queue.
 */
function signCall(requestId: string, keyArn: string, index: number): SQSRecord {
  const detail = {
    eventVersion: "1.11",
    userIdentity: {
      type: "AssumedRole",
      arn: "arn:aws:sts::123456789012:assumed-role/evidence-local-ingest/ingest",
      accountId: "123456789012",
      sessionContext: {
        sessionIssuer: { type: "Role", arn: INGEST_ROLE, accountId: "123456789012" },
      },
    },
    eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    eventSource: "kms.amazonaws.com",
    eventName: "Sign",
    awsRegion: keyArn.split(":")[3],
    requestParameters: { keyId: keyArn, messageType: "RAW", signingAlgorithm: "ECDSA_SHA_256" },
    responseElements: null,
    requestID: requestId,
    eventID: `cloudtrail-${requestId}`,
    readOnly: true,
    resources: [{ accountId: "123456789012", type: "AWS::KMS::Key", ARN: keyArn }],
    eventType: "AwsApiCall",
    recipientAccountId: "123456789012",
  };
  const body = {
    version: "0",
    id: `eb-${index}`,
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.kms",
    account: "123456789012",
    time: detail.eventTime,
    region: detail.awsRegion,
    resources: [],
    detail,
  };
  return { messageId: `m-${index}`, body: JSON.stringify(body) } as SQSRecord;
}

describe("evidence key-usage against the event table", () => {
  let plane: LocalPlane;
  let dir: string;
  let records: SignedRecord[];
  let summaries: SignedRecord[];
  let abandoned: string[];
  let report: KeyUsageReport;
  let code: number;

  async function summarize(requestIds: readonly string[]): Promise<void> {
    const bus = new EvidenceBus({
      client: plane.clients.eventbridge,
      busName: plane.resources.busName,
    });
    const messages = requestIds.map((id, i) => signCall(id, plane.resources.signingKeyId, i));
    await summarizeBatch(
      { Records: messages },
      {
        bus,
        validate: validateEvent,
        actor: { id: "arn:aws:lambda:us-east-1:123456789012:function:evidence-local-key-usage" },
        logger: { info() {}, warn() {}, error() {} },
      },
    );
    await plane.waitUntilSettled();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "key-usage-it-"));
    plane = await startTestPlane("key-usage");
    await putOnBus(plane, demoRelease({ releaseId: RELEASE }).slice(0, 4));
    await plane.waitUntilSettled();
    records = await streamRecords(plane, releaseStream(RELEASE));

    // CloudTrail reports the Sign calls of records 1..3 (record 4's is missing), of the
    // signatures the ingest abandoned when a concurrent writer took their seq, and one Sign call
    // that made nothing; the summary of that batch is itself recorded (one more Sign call),
    // which the next batch reports.
    abandoned = [];
    for await (const signature of plane.store.abandonedSignatures())
      abandoned.push(signature.requestId);
    const logged = records.slice(0, 3).map((r) => r.signature.requestId ?? "");
    await summarize([...logged, ...abandoned, "rogue-sign-request-0001"]);
    const [first] = await streamRecords(plane, KEY_USAGE_STREAM);
    await summarize([first?.signature.requestId ?? ""]);
    summaries = await streamRecords(plane, KEY_USAGE_STREAM);

    const expect = join(dir, "expect.json");
    writeFileSync(
      expect,
      JSON.stringify({ principals: { Sign: ["arn:aws:iam::123456789012:role/evidence-local-*"] } }),
    );
    const until = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const run = await runCli([
      "key-usage",
      "--table",
      plane.resources.table,
      "--region",
      plane.resources.region,
      "--endpoint-url",
      plane.endpoints.awsEndpoint,
      "--since",
      "1h",
      "--until",
      until,
      "--expect",
      expect,
      "--json",
    ]);
    code = run.code;
    report = JSON.parse(run.stdout) as KeyUsageReport;
  });

  afterAll(async () => {
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("records one summary per batch, each signed with a KMS request id", () => {
    expect(records).toHaveLength(4);
    for (const r of records) expect(r.signature.requestId).toMatch(/\S/);
    expect(summaries.map((s) => s.record.event.type)).toEqual([
      "key-usage.summarized",
      "key-usage.summarized",
    ]);
  });

  it("reads the summaries and every signature of the window from the table", () => {
    expect(report.source).toContain("2 key-usage record(s)");
    const calls = 5 + abandoned.length;
    expect(report.usage).toMatchObject([
      { operation: "Sign", principal: INGEST_ROLE, count: calls, signRequestIds: calls },
    ]);
    expect(report.reconciliation).toMatchObject({
      signCalls: calls,
      signatures: 6 + abandoned.length,
      matched: 4 + abandoned.length,
      matchedByKind: { record: 4, manifest: 0, abandoned: abandoned.length },
      outsideWindow: 0,
    });
  });

  it("lists exactly the Sign call with no record and the signatures with no Sign call", () => {
    const found = report.findings.map((f) => [f.code, f.ref ?? f.requestIds?.join(",")]);
    expect(found.sort()).toEqual(
      [
        ["sign-call-unmatched", "rogue-sign-request-0001"],
        ["signature-unmatched", `release/${RELEASE}#4`],
        // The latest summary's own Sign call is only reported by the next batch.
        ["signature-unmatched", `${KEY_USAGE_STREAM}#2`],
      ].sort(),
    );
    expect(code).toBe(1);
  });
});
