import { canonicalize } from "../canonical/index.ts";
import type { SignedRecord } from "../records/types.ts";

/**
 * A records file holds one line per record: the canonical form of
 * `{"record":<record>,"signature":<signature>}` and a newline. Canonical member order puts
 * `record` first, so the record's canonical bytes are the exact substring from byte 10 to the
 * `,"signature":{` that starts the signature: a verifier hashes them without re-serializing.
 */
export const LINE_PREFIX = '{"record":';
/** What starts a v1 record: its event member. */
export const RECORD_EVENT_MEMBER = '{"event":';
/** The member that follows a v1 record's event. */
export const EVENT_DIGEST_MEMBER = ',"eventDigest":"';
/** The line's last member, which follows the record. */
export const SIGNATURE_MEMBER = ',"signature":{';
const SIGNATURE_MARKER = Buffer.from(SIGNATURE_MEMBER);
const RECORD_OPEN = Buffer.from(RECORD_EVENT_MEMBER);
const EVENT_DIGEST_MARKER = Buffer.from(EVENT_DIGEST_MEMBER);
const PREFIX_BYTES = Buffer.from(LINE_PREFIX);

/** The records-file line of a signed record, newline included. */
export function encodeRecordLine(signed: SignedRecord): string {
  return `${LINE_PREFIX}${canonicalize(signed.record)},"signature":${canonicalize(signed.signature)}}\n`;
}

/**
 * The record's canonical bytes inside a line (without its newline), or undefined when the line
 * does not have the line shape. The signature object is the line's last member and holds only
 * strings, in which a `"` is always escaped, so the last `,"signature":{` is the one that ends
 * the record.
 */
export function recordBytesOfLine(line: Buffer): Buffer | undefined {
  if (
    line.length < PREFIX_BYTES.length ||
    line.compare(PREFIX_BYTES, 0, PREFIX_BYTES.length, 0, PREFIX_BYTES.length) !== 0
  ) {
    return undefined;
  }
  const end = line.lastIndexOf(SIGNATURE_MARKER);
  if (end <= PREFIX_BYTES.length) return undefined;
  return line.subarray(PREFIX_BYTES.length, end);
}

/**
 * The event's canonical bytes inside a record's canonical bytes, or undefined when the record
 * does not start with its `event` member. `event` sorts first among a v1 record's members and
 * every member after `eventDigest` is a string or a number, so the last `,"eventDigest":"` is
 * the one that ends the event.
 */
export function eventBytesOfRecord(record: Buffer): Buffer | undefined {
  if (
    record.length < RECORD_OPEN.length ||
    record.compare(RECORD_OPEN, 0, RECORD_OPEN.length, 0, RECORD_OPEN.length) !== 0
  ) {
    return undefined;
  }
  const end = record.lastIndexOf(EVENT_DIGEST_MARKER);
  if (end <= RECORD_OPEN.length) return undefined;
  return record.subarray(RECORD_OPEN.length, end);
}
