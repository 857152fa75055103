import { EVENT_DEFINITIONS, type EventType } from "./catalogue.ts";
import { SPEC_VERSION } from "./envelope.ts";

/** One event type's JSON Schema, as published to a schema registry. */
export interface PublishedSchema {
  readonly type: EventType;
  readonly specVersion: string;
  readonly schema: object;
}

const DRAFT_04 = "http://json-schema.org/draft-04/schema#";

let published: readonly PublishedSchema[] | undefined;

/**
 * The JSON Schema of every event type: plain JSON objects (no library markers), in the draft 4
 * dialect the EventBridge schema registry reads. Each schema describes the event as it travels in
 * an EventBridge entry's `Detail`. Callers get fresh copies, so they may change them freely.
 */
export function eventSchemas(): ReadonlyArray<PublishedSchema> {
  published ??= EVENT_DEFINITIONS.map((definition) => ({
    type: definition.type as EventType,
    specVersion: SPEC_VERSION,
    // The JSON round trip drops the symbol-keyed markers TypeBox adds to its schemas.
    schema: { $schema: DRAFT_04, ...JSON.parse(JSON.stringify(definition.schema)) },
  }));
  return published.map((entry) => ({ ...entry, schema: structuredClone(entry.schema) }));
}
