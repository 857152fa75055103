import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsQueue } from "../../lib/adapters/queue.ts";
import { releaseStream } from "../../lib/core/records/index.ts";
import { demoRelease } from "../../lib/local/demo-release.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { eventBridgeBody, putOnBus, startTestPlane, streamRecords } from "./plane.ts";

const RELEASE = "ledger-api@2026.05.7";

describe("duplicate deliveries", () => {
  let plane: LocalPlane;
  const events = demoRelease({ releaseId: RELEASE });

  beforeAll(async () => {
    plane = await startTestPlane("dup", { ingestConcurrency: 3 });
    // Prepare: every event put twice on the bus (a producer retry), and once more straight onto
    // the queue (an at-least-once redelivery), all at the same time.
    const queue = new SqsQueue({ client: plane.clients.sqs, url: plane.resources.ingestQueueUrl });
    await Promise.all([
      putOnBus(plane, events),
      putOnBus(plane, events),
      ...events.map((event) =>
        queue.send(eventBridgeBody(JSON.stringify(event), { detailType: String(event.type) })),
      ),
    ]);
    await plane.waitUntilSettled();
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("add exactly one record per event id", async () => {
    const records = await streamRecords(plane, releaseStream(RELEASE));

    expect(records.map((r) => r.record.event.id).sort()).toEqual(
      events.map((e) => String(e.id)).sort(),
    );
    expect(records.map((r) => r.record.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it("are counted as duplicates, not quarantined", async () => {
    const status = await plane.status();

    expect(status.recorded).toBe(events.length);
    expect(status.quarantined).toBe(0);
    expect(plane.metrics.snapshot()).toMatchObject({
      EventsReceived: events.length * 3,
      EventsRecorded: events.length,
      EventsDuplicate: events.length * 2,
    });
  });

  it("with changed content under a known id are quarantined as conflicts", async () => {
    const changed = { ...events[0], occurredAt: "2026-03-02T10:30:00Z" };

    await putOnBus(plane, [changed]);
    await plane.waitUntilSettled();

    const status = await plane.status();
    expect(status.recorded).toBe(events.length);
    expect(status.quarantined).toBe(1);
  });
});
