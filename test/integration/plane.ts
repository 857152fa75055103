import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { EvidenceBus } from "../../lib/adapters/bus.ts";
import type { JsonObject } from "../../lib/core/canonical/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import { type LocalPlane, type LocalPlaneOptions, startLocalPlane } from "../../lib/local/plane.ts";
import { LOCAL_PLANE_SETTINGS } from "../../lib/local/provision.ts";

/** A unique, valid resource prefix, so tests sharing the emulator never see each other's data. */
export function uniquePrefix(name: string): string {
  return `it-${name}-${randomBytes(3).toString("hex")}`;
}

/** A local plane on the run's emulator, with its own resources. */
export function startTestPlane(
  name: string,
  options: Omit<LocalPlaneOptions, "endpoint" | "settings" | "writeEndpointsFile"> = {},
): Promise<LocalPlane> {
  return startLocalPlane({
    endpoint: inject("emulatorEndpoint"),
    settings: { ...LOCAL_PLANE_SETTINGS, prefix: uniquePrefix(name) },
    writeEndpointsFile: false,
    logLevel: "SILENT",
    ...options,
  });
}

/** Puts events on the plane's bus as a producer would (source `evidence.ci`). */
export async function putOnBus(plane: LocalPlane, events: readonly JsonObject[]): Promise<void> {
  const bus = new EvidenceBus({
    client: plane.clients.eventbridge,
    busName: plane.resources.busName,
  });
  await bus.put(
    events.map((event) => ({
      source: "evidence.ci",
      detailType: String(event.type),
      detail: JSON.stringify(event),
    })),
  );
}

/** A stream's signed records, in seq order. */
export async function streamRecords(plane: LocalPlane, stream: string): Promise<SignedRecord[]> {
  const records: SignedRecord[] = [];
  for await (const stored of plane.store.queryStream(stream)) {
    records.push(JSON.parse(stored.signed) as SignedRecord);
  }
  return records;
}

/** An EventBridge event as the bus delivers it to SQS, with `detail` as given (raw JSON text). */
export function eventBridgeBody(
  detailText: string,
  envelope: { source?: string; detailType?: string; account?: string; id?: string } = {},
): string {
  return [
    "{",
    `"version":"0","id":${JSON.stringify(envelope.id ?? randomBytes(8).toString("hex"))},`,
    `"detail-type":${JSON.stringify(envelope.detailType ?? "build.completed")},`,
    `"source":${JSON.stringify(envelope.source ?? "evidence.ci")},`,
    `"account":${JSON.stringify(envelope.account ?? "123456789012")},`,
    `"time":"2026-03-02T10:00:00Z","region":"us-east-1","resources":[],`,
    `"detail":${detailText}`,
    "}",
  ].join("");
}
