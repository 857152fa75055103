import { createPublicKey, verify } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import { validateEvent } from "../../lib/core/events/index.ts";
import { recordDigest } from "../../lib/core/records/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import { recordStatementBytes } from "../../lib/core/statement/index.ts";
import {
  AppendContentionError,
  type IngestDeps,
  ingestMessage,
  statementDigest,
} from "../../lib/pipeline/ingest.ts";
import type { QuarantineDocument } from "../../lib/pipeline/quarantine.ts";
import { CountingMetrics, SILENT_LOGGER } from "../../lib/pipeline/telemetry.ts";
import { sampleEvent } from "../helpers/events.ts";
import { MemoryBucket, MemoryEventStore } from "./pipeline-fakes.ts";

function delivery(detail: object, envelope: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: "0",
    id: "eb-1",
    "detail-type": (detail as { type: string }).type,
    source: "evidence.ci",
    account: "111122223333",
    time: "2025-03-01T12:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail,
    ...envelope,
  });
}

describe("ingestMessage", () => {
  let store: MemoryEventStore;
  let bucket: MemoryBucket;
  let metrics: CountingMetrics;
  let signer: LocalSigner;
  let deps: IngestDeps;

  beforeEach(() => {
    store = new MemoryEventStore();
    bucket = new MemoryBucket();
    metrics = new CountingMetrics();
    signer = LocalSigner.generate();
    deps = {
      store,
      quarantine: bucket,
      signer,
      validate: validateEvent,
      logger: SILENT_LOGGER,
      metrics,
      quarantineLock: { mode: "COMPLIANCE", days: 30 },
      clock: () => new Date("2025-03-01T12:00:01.000Z"),
    };
  });

  it("records a valid event at seq 1 of its release, signed, with the envelope's account", async () => {
    // Act
    const outcome = await ingestMessage({ messageId: "m1", body: delivery(sampleEvent()) }, deps);

    // Assess
    expect(outcome).toEqual({
      kind: "recorded",
      eventId: sampleEvent().id,
      stream: "release/r-100",
      seq: 1,
    });
    const item = await store.getRecord("release/r-100", 1);
    const signed = JSON.parse(item?.signed ?? "") as SignedRecord;
    expect(signed.record).toMatchObject({
      seq: 1,
      sourceAccount: "111122223333",
      source: "evidence.ci",
      receivedAt: "2025-03-01T12:00:01.000Z",
    });
    expect(item).toMatchObject({
      commit: sampleEvent().subject.commit,
      artifactDigest: sampleEvent().subject.artifactDigest,
      releaseId: "r-100",
      eventType: "build.completed",
    });
    const statement = recordStatementBytes({
      digest: recordDigest(signed.record),
      stream: signed.record.stream,
      seq: 1,
      time: signed.signature.signedAt,
      keyId: signer.keyId,
    });
    const key = createPublicKey({ key: signer.publicKeySpki, format: "der", type: "spki" });
    expect(verify("sha256", statement, key, Buffer.from(signed.signature.value, "base64"))).toBe(
      true,
    );
  });

  it("ignores a second delivery of the same event", async () => {
    const body = delivery(sampleEvent());
    await ingestMessage({ messageId: "m1", body }, deps);

    const outcome = await ingestMessage({ messageId: "m2", body }, deps);

    expect(outcome).toMatchObject({ kind: "duplicate", seq: 1 });
    expect(store.records.size).toBe(1);
    expect(metrics.snapshot()).toMatchObject({ EventsRecorded: 1, EventsDuplicate: 1 });
  });

  it("quarantines changed content under a known id as a conflict", async () => {
    await ingestMessage({ messageId: "m1", body: delivery(sampleEvent()) }, deps);
    const changed = delivery(sampleEvent({ occurredAt: "2025-03-01T11:59:30.000Z" }));

    const outcome = await ingestMessage({ messageId: "m2", body: changed }, deps);

    expect(outcome).toMatchObject({ kind: "quarantined", written: true });
    expect(outcome.kind === "quarantined" && outcome.reasons[0]?.code).toBe(
      "conflicting-duplicate",
    );
    expect(store.records.size).toBe(1);
  });

  it("quarantines an invalid event with its reasons and raw bytes, once per message", async () => {
    const body = delivery(sampleEvent({ type: "build.exploded" }));

    const first = await ingestMessage({ messageId: "m1", body }, deps);
    const again = await ingestMessage({ messageId: "m1", body }, deps);

    expect(first).toMatchObject({ kind: "quarantined", written: true });
    expect(again).toMatchObject({ kind: "quarantined", written: false });
    expect(bucket.objects.size).toBe(1);
    const key = first.kind === "quarantined" ? first.key : "";
    const document = JSON.parse(bucket.text(key)) as QuarantineDocument;
    expect(Buffer.from(document.body, "base64").toString("utf8")).toBe(body);
    expect(document.reasons[0]?.code).toBe("invalid-event");
    expect(document.envelope?.account).toBe("111122223333");
    expect(bucket.objects.get(key)?.put).toMatchObject({
      lockMode: "COMPLIANCE",
      retainUntil: new Date("2025-03-31T12:00:01.000Z"),
    });
    expect(metrics.snapshot().EventsQuarantined).toBe(1);
  });

  it("takes the account from the envelope even when the payload names another", async () => {
    const event = sampleEvent({ sourceAccount: "999999999999" });

    const outcome = await ingestMessage({ messageId: "m1", body: delivery(event) }, deps);

    expect(outcome.kind).toBe("quarantined");
    expect(store.records.size).toBe(0);
  });

  it("after losing the race for a seq, rebuilds on the new head, re-signs and keeps the lost signature", async () => {
    // Prepare: another writer takes seq 1 just before this append.
    let raced = false;
    store.beforeAppend = (record) => {
      if (raced) return;
      raced = true;
      store.records.set(`${record.stream}#1`, { ...record, eventId: "other-writer" });
      store.markers.set("other-writer", {
        eventId: "other-writer",
        eventDigest: `sha256:${"0".repeat(64)}`,
        stream: record.stream,
        seq: 1,
      });
    };

    const outcome = await ingestMessage({ messageId: "m1", body: delivery(sampleEvent()) }, deps);

    expect(outcome).toMatchObject({ kind: "recorded", seq: 2 });
    const recorded = JSON.parse((await store.getRecord("release/r-100", 2))?.signed ?? "");
    expect(recorded.record.prev).toBe((await store.getRecord("release/r-100", 1))?.digest);
    expect(store.abandoned).toHaveLength(1);
    expect(store.abandoned[0]).toMatchObject({
      stream: "release/r-100",
      seq: 1,
      eventId: sampleEvent().id,
      reason: "seq-taken",
      keyId: signer.keyId,
    });
    expect(metrics.snapshot()).toMatchObject({ SeqConflicts: 1, SignaturesAbandoned: 1 });
  });

  it("gives the message back to the queue after losing every attempt", async () => {
    let n = 0;
    store.beforeAppend = (record) => {
      n++;
      store.records.set(`${record.stream}#${record.seq}`, { ...record, eventId: `rival-${n}` });
    };

    await expect(
      ingestMessage(
        { messageId: "m1", body: delivery(sampleEvent()) },
        { ...deps, maxAppendAttempts: 3 },
      ),
    ).rejects.toBeInstanceOf(AppendContentionError);
    expect(store.abandoned).toHaveLength(3);
  });

  it("names the abandoned signature by what it signed when the signer gives no request id", async () => {
    const signed: SignedRecord = {
      record: {
        recordVersion: "evidence-record/v1",
        stream: "release/r-1",
        seq: 3,
        prev: `sha256:${"1".repeat(64)}`,
        eventDigest: `sha256:${"2".repeat(64)}`,
        receivedAt: "2025-03-01T12:00:00.000Z",
        sourceAccount: "111122223333",
        source: "evidence.ci",
        event: {},
      },
      signature: {
        keyId: "k",
        algorithm: "ECDSA_SHA_256",
        signedAt: "2025-03-01T12:00:00.000Z",
        value: "",
      },
    };

    const digest = statementDigest(signed, `sha256:${"3".repeat(64)}`);

    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(statementDigest(signed, `sha256:${"4".repeat(64)}`)).not.toBe(digest);
  });
});
