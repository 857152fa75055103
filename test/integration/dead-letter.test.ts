import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsQueue } from "../../lib/adapters/queue.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { sampleBuild } from "./events.ts";
import { eventBridgeBody, startTestPlane } from "./plane.ts";

describe("a message the function keeps failing on", () => {
  let plane: LocalPlane;
  const poison = eventBridgeBody(JSON.stringify(sampleBuild("dlq@1.0.0", 1)));
  let deliveries = 0;

  beforeAll(async () => {
    plane = await startTestPlane("dlq", {
      ingestConcurrency: 1,
      // The function crashes whenever the batch holds this message (a bug, an outage).
      decorateIngest: (ingest) => async (event, context) => {
        if (event.Records.some((record) => record.body === poison)) {
          deliveries++;
          throw new Error("injected crash on this message");
        }
        return ingest(event, context);
      },
    });
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("is moved to the dead-letter queue after maxReceiveCount deliveries, not lost", async () => {
    const queue = new SqsQueue({ client: plane.clients.sqs, url: plane.resources.ingestQueueUrl });
    const dlq = new SqsQueue({ client: plane.clients.sqs, url: plane.resources.ingestDlqUrl });

    await queue.send(poison);
    let parked = await dlq.receive({ max: 1, visibilityTimeoutSeconds: 30, waitSeconds: 1 });
    while (parked.length === 0) {
      parked = await dlq.receive({ max: 1, visibilityTimeoutSeconds: 30, waitSeconds: 1 });
    }

    expect(parked[0]?.body).toBe(poison);
    expect(deliveries).toBe(5);
    const status = await plane.status();
    expect(status.recorded).toBe(0);
    expect(status.pending).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
