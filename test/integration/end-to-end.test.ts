import { createPublicKey, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../../lib/core/canonical/index.ts";
import { checkLink, recordDigest, releaseStream } from "../../lib/core/records/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import { DEFAULT_RETENTION, evidenceClassOf, retainUntil } from "../../lib/core/retention.ts";
import { recordStatementBytes } from "../../lib/core/statement/index.ts";
import { demoRelease } from "../../lib/local/demo-release.ts";
import { attemptVersionDelete } from "../../lib/local/lock-check.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { recordKey } from "../../lib/pipeline/archive.ts";
import { putOnBus, startTestPlane, streamRecords } from "./plane.ts";

const RELEASE = "payments-api@2026.05.1";

describe("events put on the bus", () => {
  let plane: LocalPlane;
  let records: SignedRecord[];
  const events = demoRelease({ releaseId: RELEASE });

  beforeAll(async () => {
    plane = await startTestPlane("e2e");
    await putOnBus(plane, events);
    await plane.waitUntilSettled();
    records = await streamRecords(plane, releaseStream(RELEASE));
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("become one record each, in one stream numbered 1..n with every link intact", () => {
    expect(records.map((r) => r.record.event.id).sort()).toEqual(
      events.map((e) => e.id as string).sort(),
    );
    expect(records.map((r) => r.record.seq)).toEqual(events.map((_, i) => i + 1));
    let head: { seq: number; digest: `sha256:${string}` } | undefined;
    for (const { record } of records) {
      expect(checkLink(head, record)).toBeUndefined();
      head = { seq: record.seq, digest: recordDigest(record) };
    }
  });

  it("carry the envelope's account and source, never the payload's", () => {
    for (const { record } of records) {
      expect(record.sourceAccount).toBe("123456789012");
      expect(record.source).toBe("evidence.ci");
    }
  });

  it("are signed by the KMS key: each statement verifies with GetPublicKey's SPKI", async () => {
    const { spki, keyId } = await plane.signer.publicKey();
    const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    for (const { record, signature } of records) {
      const statement = recordStatementBytes({
        digest: recordDigest(record),
        stream: record.stream,
        seq: record.seq,
        time: signature.signedAt,
        keyId: signature.keyId,
      });
      expect(signature.keyId).toBe(keyId);
      expect(signature.requestId).toBeTruthy();
      expect(verify("sha256", statement, key, Buffer.from(signature.value, "base64"))).toBe(true);
    }
  });

  it("are archived as the canonical signed record, locked until receivedAt + their class's retention", async () => {
    for (const signed of records) {
      const { record } = signed;
      const key = recordKey(record.stream, record.seq);
      const head = await plane.bucket.head(key);
      const expected = retainUntil(
        String(record.event.type),
        new Date(record.receivedAt),
        DEFAULT_RETENTION,
      );
      expect(head?.lockMode).toBe("COMPLIANCE");
      expect(Math.floor((head?.retainUntil?.getTime() ?? 0) / 1000)).toBe(
        Math.floor(expected.getTime() / 1000),
      );
      const body = Buffer.from(await plane.bucket.get(key)).toString("utf8");
      expect(JSON.parse(body)).toEqual(signed);
    }
    const classes = new Set(records.map((r) => evidenceClassOf(String(r.record.event.type))));
    expect(classes).toEqual(new Set(["release", "verification"]));
  });

  it("can be found by commit, artifact digest and day through the indexes", async () => {
    const commit = String((events[0]?.subject as JsonObject | undefined)?.commit);
    const byCommit = [];
    for await (const stored of plane.store.queryIndex("byCommit", commit)) byCommit.push(stored);
    expect(byCommit.length).toBeGreaterThan(0);
    expect(byCommit.every((s) => s.signed.includes(commit))).toBe(true);

    const digest = String((events[3]?.subject as JsonObject | undefined)?.artifactDigest);
    const byArtifact = [];
    for await (const stored of plane.store.queryIndex("byArtifactDigest", digest)) {
      byArtifact.push(stored);
    }
    expect(byArtifact.length).toBeGreaterThan(3);
    expect(byArtifact.every((s) => s.signed.includes(digest))).toBe(true);

    const day = records[0]?.record.receivedAt.slice(0, 10) ?? "";
    const byDay = [];
    for await (const stored of plane.store.queryIndex("byDay", day, { pageSize: 3 })) {
      byDay.push(stored);
    }
    expect(byDay).toHaveLength(records.length);
  });

  it("keep their locked object versions: a delete of one is denied and the object stays", async () => {
    const key = recordKey(releaseStream(RELEASE), 1);
    const before = await plane.bucket.head(key);

    const attempt = await attemptVersionDelete(
      plane.clients.s3,
      plane.resources.evidenceBucket,
      key,
      before?.versionId ?? "",
    );

    expect(attempt).toMatchObject({ denied: true, status: 403 });
    expect((await plane.bucket.head(key, before?.versionId))?.versionId).toBe(before?.versionId);
  });

  it("leave nothing behind: status accounts for every event", async () => {
    const status = await plane.status();
    expect(status).toMatchObject({
      recorded: events.length,
      quarantined: 0,
      archived: events.length,
      pending: { visible: 0, inFlight: 0, delayed: 0 },
      deadLettered: { visible: 0, inFlight: 0, delayed: 0 },
    });
  });

  it("serve the API through the proxy-event adapter", async () => {
    const response = await fetch(`${plane.endpoints.apiUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});
