import { canonicalBytes } from "../canonical/index.ts";
import type { JsonObject } from "../canonical/json-value.ts";
import { type Digest, isDigest, sha256Digest } from "../digest.ts";
import { type StreamKey, streamFor } from "./stream.ts";
import { type EvidenceRecord, GENESIS_DIGEST, RECORD_VERSION } from "./types.ts";

/** The last record of a stream: where the next record links. */
export interface StreamHead {
  readonly seq: number;
  readonly digest: Digest;
}

/** What {@link buildRecord} needs: a validated event and where it came from. */
export interface BuildRecordInput {
  /** The validated event, exactly as accepted. */
  readonly event: StreamKey;
  /** The current head of the event's stream, or undefined when the stream is empty. */
  readonly head: StreamHead | undefined;
  /** When the evidence account received the event. */
  readonly receivedAt: Date;
  /** AWS account that put the event on the bus (from the EventBridge envelope). */
  readonly sourceAccount: string;
  /** EventBridge `source` of the event. */
  readonly source: string;
}

/** A record and its digest, which becomes the stream's new head. */
export interface BuiltRecord {
  readonly record: EvidenceRecord;
  readonly digest: Digest;
}

/** SHA-256 of a record's canonical (RFC 8785) bytes: what the next record's `prev` carries. */
export function recordDigest(record: EvidenceRecord): Digest {
  return sha256Digest(canonicalBytes(record));
}

/** SHA-256 of an event's canonical bytes. */
export function eventDigest(event: object): Digest {
  return sha256Digest(canonicalBytes(event));
}

/**
 * Places an event in its stream after `head`: seq is head + 1 (or 1), prev is the head's
 * digest (or {@link GENESIS_DIGEST}). Pure: the caller appends the record only if the head is
 * still current (a conditional write), so two writers can never both take the same seq.
 *
 * @example
 * const { record, digest } = buildRecord({ event, head: undefined, receivedAt: new Date(),
 *   sourceAccount: "111122223333", source: "evidence.ci" });
 * // record.seq === 1, record.prev === GENESIS_DIGEST; digest is the new head
 */
export function buildRecord(input: BuildRecordInput): BuiltRecord {
  const { head } = input;
  if (head !== undefined && (!Number.isSafeInteger(head.seq) || head.seq < 1)) {
    throw new RangeError(`stream head seq must be a positive integer, got ${head.seq}`);
  }
  if (head !== undefined && !isDigest(head.digest)) {
    throw new RangeError(`stream head digest must be sha256:<64 hex>, got ${String(head.digest)}`);
  }
  if (Number.isNaN(input.receivedAt.getTime())) {
    throw new RangeError("receivedAt is not a valid date");
  }
  const event = input.event as unknown as JsonObject;
  const record: EvidenceRecord = {
    recordVersion: RECORD_VERSION,
    stream: streamFor(input.event),
    seq: head === undefined ? 1 : head.seq + 1,
    prev: head === undefined ? GENESIS_DIGEST : head.digest,
    eventDigest: eventDigest(event),
    receivedAt: input.receivedAt.toISOString(),
    sourceAccount: input.sourceAccount,
    source: input.source,
    event,
  };
  return { record, digest: recordDigest(record) };
}
