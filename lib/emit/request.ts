import { canonicalize } from "../core/canonical/index.ts";
import type { JsonObject } from "../core/canonical/json-value.ts";
import type { CiSystem } from "./ci.ts";

/** One PutEvents entry, as the EventBridge API names its members. */
export interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
}

/** The EventBridge source of events from `system`, or from a person's command line. */
export function defaultSource(system: CiSystem | undefined): string {
  return `evidence.${system ?? "cli"}`;
}

const BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/[A-Za-z0-9._\-/]+$/;

/** The Region and account of an event bus ARN, or undefined when `text` is not one. */
export function parseBusArn(text: string): { region: string; account: string } | undefined {
  const match = BUS_ARN.exec(text);
  return match ? { region: match[1] ?? "", account: match[2] ?? "" } : undefined;
}

/**
 * The PutEvents request for one event: Source, DetailType (the event's type), Detail (the
 * event's canonical JSON, exactly the bytes that were validated) and the bus, by ARN for a bus in
 * another account.
 */
export function putEventsRequest(
  event: JsonObject,
  source: string,
  eventBusName: string,
): { Entries: PutEventsEntry[] } {
  return {
    Entries: [
      {
        Source: source,
        DetailType: String(event.type),
        Detail: canonicalize(event),
        EventBusName: eventBusName,
      },
    ],
  };
}
