import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { EvidenceBus } from "../lib/adapters/bus.ts";
import type { JsonObject } from "../lib/core/canonical/index.ts";
import { validateEvent } from "../lib/core/events/index.ts";
import { buildRecord, eventDigest } from "../lib/core/records/index.ts";
import { demoRelease } from "../lib/local/demo-release.ts";
import { startLocalPlane } from "../lib/local/plane.ts";
import { checkDelivery } from "../lib/pipeline/delivery.ts";

/**
 * `npm run bench -- ingest [--events N] [--e2e-events M] [--no-e2e]`
 *
 * 1. CPU per event of ingest's pure work, no I/O: strict parse of the delivered message,
 *    envelope checks, catalogue validation, canonical form and digest of the event, and the
 *    record built on it (its canonical form and digest). Measured beside a baseline in the same
 *    run (JSON.parse + SHA-256 of the same bytes), since this machine is shared and absolute
 *    times drift: the ratio is the figure to compare.
 * 2. End to end on the local emulator: events per second from PutEvents to recorded and
 *    archived (for spotting regressions only; the emulator, not the pipeline, sets the pace).
 */
export default async function ingestBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: "string", default: "20000" },
      "e2e-events": { type: "string", default: "300" },
      "no-e2e": { type: "boolean" },
    },
  });
  const count = positive(values.events, "--events");
  const e2eCount = positive(values["e2e-events"], "--e2e-events");

  const bodies = deliveries(count);
  log(
    `${count} deliveries of ${Math.round(average(bodies.map((b) => b.length)))} bytes on average`,
  );
  // Warm up both loops so the JIT has settled before timing.
  pipelineWork(bodies.slice(0, 2000));
  baselineWork(bodies.slice(0, 2000));
  const usPerEvent = (timed(() => pipelineWork(bodies)) * 1000) / count;
  const baselineUsPerEvent = (timed(() => baselineWork(bodies)) * 1000) / count;
  log(
    `pure ingest work: ${usPerEvent.toFixed(1)} us/event (baseline ${baselineUsPerEvent.toFixed(1)} us)`,
  );

  const result: Record<string, unknown> = {
    bench: "ingest",
    usPerEvent: round(usPerEvent),
    baselineUsPerEvent: round(baselineUsPerEvent),
    ratioToBaseline: round(usPerEvent / baselineUsPerEvent),
    events: count,
  };
  if (!values["no-e2e"]) result.endToEnd = await endToEnd(e2eCount);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The messages the ingest queue would deliver: a release's events with distinct ids. */
function deliveries(count: number): string[] {
  const bodies: string[] = [];
  for (let release = 0; bodies.length < count; release++) {
    for (const event of demoRelease({ releaseId: `bench-${release}@1.0.0` })) {
      if (bodies.length === count) break;
      bodies.push(
        JSON.stringify({
          version: "0",
          id: `eb-${bodies.length}`,
          "detail-type": event.type,
          source: "evidence.ci",
          account: "111122223333",
          time: "2026-03-02T10:00:00Z",
          region: "eu-west-1",
          resources: [],
          detail: event,
        }),
      );
    }
  }
  return bodies;
}

function pipelineWork(bodies: readonly string[]): void {
  let head: { seq: number; digest: `sha256:${string}` } | undefined;
  for (const body of bodies) {
    const check = checkDelivery(body, validateEvent);
    if (!check.ok) throw new Error(`bench event refused: ${check.reasons[0]?.message}`);
    eventDigest(check.event);
    const built = buildRecord({
      event: check.event,
      head,
      receivedAt: new Date(),
      sourceAccount: check.envelope.account,
      source: check.envelope.source,
    });
    head = { seq: built.record.seq, digest: built.digest };
  }
}

function baselineWork(bodies: readonly string[]): void {
  for (const body of bodies) {
    JSON.parse(body);
    createHash("sha256").update(body).digest();
  }
}

async function endToEnd(count: number): Promise<Record<string, number>> {
  log("starting a local plane on the emulator...");
  const plane = await startLocalPlane({ writeEndpointsFile: false, logLevel: "SILENT" });
  try {
    const events: JsonObject[] = [];
    for (let release = 0; events.length < count; release++) {
      events.push(...demoRelease({ releaseId: `e2e-${release}@1.0.0` }));
    }
    events.length = count;
    const bus = new EvidenceBus({
      client: plane.clients.eventbridge,
      busName: plane.resources.busName,
    });
    const started = performance.now();
    await bus.put(
      events.map((event) => ({
        source: "evidence.ci",
        detailType: String(event.type),
        detail: JSON.stringify(event),
      })),
    );
    const status = await plane.waitUntilSettled({
      timeoutMs: 600_000,
      onProgress: (s) => log(`end to end: ${s.recorded}/${count} recorded, ${s.archived} archived`),
    });
    const seconds = (performance.now() - started) / 1000;
    if (status.recorded !== count) throw new Error(`${status.recorded} of ${count} recorded`);
    return { events: count, seconds: round(seconds), eventsPerSecond: round(count / seconds) };
  } finally {
    await plane.stop();
  }
}

function timed(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

function positive(text: string | undefined, name: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} takes a positive whole number`);
  return value;
}

function average(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function log(message: string): void {
  process.stderr.write(`bench ingest: ${message}\n`);
}
