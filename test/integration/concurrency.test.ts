import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../../lib/core/canonical/index.ts";
import { checkLink, recordDigest, releaseStream } from "../../lib/core/records/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { sampleBuild } from "./events.ts";
import { putOnBus, startTestPlane, streamRecords } from "./plane.ts";

const RELEASE = "checkout-web@2026.06.0";
const EVENTS = 200;

describe("200 events for one release at once, ingested by concurrent invocations", () => {
  let plane: LocalPlane;
  let records: SignedRecord[];
  let signCalls = 0;
  const events: JsonObject[] = Array.from({ length: EVENTS }, (_, i) => sampleBuild(RELEASE, i));

  beforeAll(async () => {
    plane = await startTestPlane("conc", { ingestConcurrency: 6 });
    plane.clients.kms.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "SignCommand") signCalls++;
        return next(args);
      },
      { step: "initialize", name: "countSignCalls" },
    );
    // Act: the bus fans the events out to the queue; six pollers take batches concurrently.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => putOnBus(plane, events.slice(i * 10, i * 10 + 10))),
    );
    // Lost seq races back off and re-sign, so on a loaded machine this can take minutes.
    await plane.waitUntilSettled({ timeoutMs: 220_000 });
    records = await streamRecords(plane, releaseStream(RELEASE));
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("get seq 1..200 with no gap, no fork and every link intact", () => {
    expect(records.map((r) => r.record.seq)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(records.map((r) => r.record.event.id)).size).toBe(EVENTS);
    let head: { seq: number; digest: `sha256:${string}` } | undefined;
    for (const { record } of records) {
      expect(checkLink(head, record)).toBeUndefined();
      head = { seq: record.seq, digest: recordDigest(record) };
    }
  });

  it("account for every KMS Sign call: a record or an abandoned-signature item each", async () => {
    const abandoned = [];
    for await (const signature of plane.store.abandonedSignatures()) abandoned.push(signature);

    expect(records.length + abandoned.length).toBe(signCalls);
    expect(abandoned.length).toBe(plane.metrics.snapshot().SignaturesAbandoned);
    const requestIds = new Set([
      ...records.map((r) => r.signature.requestId),
      ...abandoned.map((a) => a.requestId),
    ]);
    expect(requestIds.size).toBe(signCalls);
  });
});
