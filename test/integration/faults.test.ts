import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../../lib/core/canonical/index.ts";
import { checkLink, recordDigest, releaseStream } from "../../lib/core/records/index.ts";
import type { IngestFunction, LocalPlane } from "../../lib/local/plane.ts";
import { queued } from "../../lib/local/status.ts";
import { runCli } from "../helpers/cli.ts";
import { sampleBuild } from "./events.ts";
import { putOnBus, startTestPlane, streamRecords } from "./plane.ts";

const RELEASES = ["faults-a@1.0.0", "faults-b@1.0.0"];
const PER_RELEASE = 20;
const OUTAGE_KEYS = ["/faults-b@1.0.0/000000000005.json", "/faults-b@1.0.0/000000000006.json"];

/** An SDK error the standard retry strategy classifies by name and HTTP status. */
function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`injected ${name}`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

describe("faults injected through SDK middleware", () => {
  let plane: LocalPlane;
  const events: JsonObject[] = RELEASES.flatMap((release) =>
    Array.from({ length: PER_RELEASE }, (_, i) => sampleBuild(release, i)),
  );
  const injected = { throttles: 0, lostResponses: 0, slowDowns: 0, crashes: 0, outages: 0 };
  let outage = true;
  let signed = 0;

  beforeAll(async () => {
    let batches = 0;
    // A crash after half of the batch was handled: the whole batch is delivered again.
    const crashMidBatch =
      (ingest: IngestFunction): IngestFunction =>
      async (event, context) => {
        batches++;
        if (batches % 3 !== 1 || event.Records.length < 2) return ingest(event, context);
        const half = event.Records.slice(0, Math.ceil(event.Records.length / 2));
        await ingest({ Records: half }, context);
        injected.crashes++;
        throw new Error("injected crash mid-batch");
      };
    plane = await startTestPlane("faults", {
      ingestConcurrency: 2,
      decorateIngest: crashMidBatch,
      archiveRetry: { retryBaseMs: 5 },
    });

    let signCalls = 0;
    plane.clients.kms.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "SignCommand") return next(args);
        signCalls++;
        // A burst longer than the SDK's attempts, then every fourth call.
        if (signCalls <= 8 || signCalls % 4 === 0) {
          injected.throttles++;
          throw awsError("ThrottlingException", 400);
        }
        const out = await next(args);
        signed++;
        return out;
      },
      { step: "deserialize", name: "injectKmsThrottling" },
    );
    let transactions = 0;
    plane.clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "TransactWriteItemsCommand") return next(args);
        transactions++;
        const out = await next(args);
        // The write happened, the answer is lost: the retry must not record the event twice.
        if (transactions % 5 === 0) {
          injected.lostResponses++;
          throw awsError("InternalServerError", 500);
        }
        return out;
      },
      { step: "deserialize", name: "injectDynamoLostResponse" },
    );
    let puts = 0;
    plane.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "PutObjectCommand") return next(args);
        // Three records cannot be written until the outage ends (the stream mapping gives up
        // on them and sends them to its on-failure queue; reconcile archives them later).
        const key = String((args.input as { Key?: string }).Key);
        if (outage && OUTAGE_KEYS.some((suffix) => key.endsWith(suffix))) {
          injected.outages++;
          throw awsError("KMS.DisabledException", 400);
        }
        puts++;
        if (puts <= 40 || puts % 7 === 0) {
          injected.slowDowns++;
          throw awsError("SlowDown", 503);
        }
        return next(args);
      },
      { step: "deserialize", name: "injectS3SlowDown" },
    );

    await putOnBus(plane, events);
    await plane.waitUntilSettled({ timeoutMs: 170_000 });
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("injected every kind of fault", () => {
    expect(injected.throttles).toBeGreaterThan(8);
    expect(injected.lostResponses).toBeGreaterThan(0);
    expect(injected.slowDowns).toBeGreaterThan(40);
    expect(injected.crashes).toBeGreaterThan(0);
    expect(injected.outages).toBeGreaterThan(0);
  });

  it("records every event exactly once, each stream 1..n with every link intact", async () => {
    for (const release of RELEASES) {
      const records = await streamRecords(plane, releaseStream(release));
      expect(records.map((r) => r.record.seq)).toEqual(
        Array.from({ length: PER_RELEASE }, (_, i) => i + 1),
      );
      expect(new Set(records.map((r) => r.record.event.id)).size).toBe(PER_RELEASE);
      let head: { seq: number; digest: `sha256:${string}` } | undefined;
      for (const { record } of records) {
        expect(checkLink(head, record)).toBeUndefined();
        head = { seq: record.seq, digest: recordDigest(record) };
      }
    }
    const status = await plane.status();
    expect(status.recorded).toBe(events.length);
    expect(status.quarantined).toBe(0);
    expect(queued(status.deadLettered)).toBe(0);
  });

  it("accounts for every signature KMS made: in a record or kept as abandoned", async () => {
    const abandoned = [];
    for await (const signature of plane.store.abandonedSignatures()) abandoned.push(signature);

    expect(events.length + abandoned.length).toBe(signed);
  });

  it("completes the archive with evidence reconcile, which reports what it did", async () => {
    const before = await plane.status();
    // Records the stream mapping gave up on went to its on-failure queue, not into the bucket.
    expect(before.archived).toBe(events.length - OUTAGE_KEYS.length);
    expect(queued(before.archiveFailures)).toBe(events.length - before.archived);
    outage = false;
    const env = {
      AWS_ENDPOINT_URL: plane.target.endpoint,
      AWS_REGION: plane.target.region,
      AWS_ACCESS_KEY_ID: "emulator",
      AWS_SECRET_ACCESS_KEY: "emulator",
    };
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    let run: Awaited<ReturnType<typeof runCli>>;
    try {
      run = await runCli([
        "reconcile",
        "--table",
        plane.resources.table,
        "--bucket",
        plane.resources.evidenceBucket,
        "--json",
      ]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.records).toBe(events.length);
    expect(report.archived).toHaveLength(events.length - before.archived);
    expect(report.mismatched).toEqual([]);
    expect(report.orphans).toEqual([]);
    expect((await plane.status()).archived).toBe(events.length);
    const again = await plane.reconcile();
    expect(again).toMatchObject({ records: events.length, present: events.length, archived: [] });
  });
});
