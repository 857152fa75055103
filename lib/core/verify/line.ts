import {
  EVENT_DIGEST_MEMBER,
  eventBytesOfRecord,
  LINE_PREFIX,
  RECORD_EVENT_MEMBER,
  recordBytesOfLine,
  SIGNATURE_MEMBER,
} from "../pack/lines.ts";
import { RECORD_VERSION } from "../records/types.ts";
import { SIGNING_ALGORITHM } from "../signing/keys.ts";

/**
 * What one line of a records file says: the members the verifier checks, and the bytes it
 * hashes. Most lines have the exact shape a pack writer makes; those are read without parsing
 * their hex digests and signature a second time as JSON (see {@link readRecordLine}).
 */
export interface LineRecord {
  readonly stream: string;
  readonly seq: number;
  readonly prev: string;
  readonly eventDigest: string;
  readonly event: Record<string, unknown>;
  readonly keyId: string;
  readonly signedAt: string;
  readonly value: string;
  /** The record's bytes in the line: what its digest is taken over. */
  readonly recordBytes: Buffer;
  /** The event's bytes in the line, when the record starts with its event. */
  readonly eventBytes: Buffer | undefined;
}

const SIGNATURE_MEMBERS = new Set(["algorithm", "keyId", "signedAt", "value", "requestId"]);
const RECORD_EVENT_PREFIX = `${LINE_PREFIX}${RECORD_EVENT_MEMBER}`;

/** A JSON string's content with nothing to unescape: printable ASCII but `"` and `\`. */
const PLAIN = "[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*";
/** The same, captured: only the members the checks read are. */
const READ = `(${PLAIN})`;

/**
 * Everything after a v1 record's event, in the canonical form a pack writer makes: the record's
 * other members in RFC 8785 order, then the signature. Its strings hold nothing to unescape and
 * only ASCII, so what it captures is what JSON.parse would give, and its length in characters is
 * its length in bytes.
 */
const CANONICAL_TAIL = new RegExp(
  [
    `,"eventDigest":"${READ}","prev":"${READ}","receivedAt":"${PLAIN}"`,
    `,"recordVersion":"${RECORD_VERSION}","seq":([1-9][0-9]{0,15})`,
    `,"source":"${PLAIN}","sourceAccount":"${PLAIN}","stream":"${READ}"`,
    `\\},"signature":\\{"algorithm":"${SIGNING_ALGORITHM}","keyId":"${READ}"`,
    `(?:,"requestId":"${PLAIN}")?,"signedAt":"${READ}","value":"${READ}"\\}\\}$`,
  ].join(""),
  "y",
);

/** The canonical tail starting at `start`, or null. */
function tailAt(text: string, start: number): RegExpExecArray | null {
  if (start <= RECORD_EVENT_PREFIX.length) return null;
  CANONICAL_TAIL.lastIndex = start;
  return CANONICAL_TAIL.exec(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A line in the canonical shape: the event parsed on its own, the record's other members and
 * the signature read by {@link CANONICAL_TAIL}. Undefined when the line has any other shape.
 * When the tail matches and the event parses as an object, the whole line is JSON whose parse
 * holds exactly these values, so this agrees with {@link readAnyLine} on every line it reads.
 */
export function readCanonicalLine(line: Buffer, text: string): LineRecord | undefined {
  if (!text.startsWith(RECORD_EVENT_PREFIX)) return undefined;
  // The first `,"eventDigest":"` ends the event unless the event has a member of that name
  // (V8's forward search is also much faster than its backward one); the last one always does.
  let tailStart = text.indexOf(EVENT_DIGEST_MEMBER, RECORD_EVENT_PREFIX.length);
  let tail = tailAt(text, tailStart);
  if (tail === null && tailStart !== -1) {
    const last = text.lastIndexOf(EVENT_DIGEST_MEMBER);
    if (last !== tailStart) {
      tailStart = last;
      tail = tailAt(text, last);
    }
  }
  if (tail === null) return undefined;
  const [, eventDigest, prev, seqText, stream, keyId, signedAt, value] = tail;
  const seq = Number(seqText);
  if (!Number.isSafeInteger(seq)) return undefined;
  let event: unknown;
  try {
    event = JSON.parse(text.slice(RECORD_EVENT_PREFIX.length, tailStart));
  } catch {
    return undefined;
  }
  if (!isObject(event)) return undefined;
  // The tail is ASCII: its characters count its bytes, from the end of the line.
  const recordEnd = line.length - (text.length - text.indexOf(SIGNATURE_MEMBER, tailStart));
  const eventEnd = line.length - (text.length - tailStart);
  return {
    stream: stream as string,
    seq,
    prev: prev as string,
    eventDigest: eventDigest as string,
    event,
    keyId: keyId as string,
    signedAt: signedAt as string,
    value: value as string,
    recordBytes: line.subarray(LINE_PREFIX.length, recordEnd),
    eventBytes: line.subarray(RECORD_EVENT_PREFIX.length, eventEnd),
  };
}

/** Any line: parsed whole, each member checked, or why the line is not a signed record. */
export function readAnyLine(line: Buffer, text: string): LineRecord | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `the line is not JSON (${(error as Error).message})`;
  }
  if (!isObject(parsed) || !isObject(parsed.record) || !isObject(parsed.signature)) {
    return "the line is not an object with a record and a signature";
  }
  const { record, signature } = parsed;
  if (record.recordVersion !== RECORD_VERSION) {
    return `recordVersion is ${JSON.stringify(record.recordVersion)}, expected "${RECORD_VERSION}"`;
  }
  const { stream, seq, prev, eventDigest, event } = record;
  if (typeof stream !== "string" || typeof prev !== "string" || typeof eventDigest !== "string") {
    return "the record lacks a stream, prev or eventDigest string";
  }
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
    return "the record's seq is not a positive integer";
  }
  if (!isObject(event)) return "the record's event is not an object";
  const { keyId, signedAt, value, algorithm } = signature;
  if (typeof keyId !== "string" || typeof signedAt !== "string" || typeof value !== "string") {
    return "the signature lacks a keyId, signedAt or value string";
  }
  if (algorithm !== SIGNING_ALGORITHM) {
    return `the signature algorithm is ${JSON.stringify(algorithm)}, expected "${SIGNING_ALGORITHM}"`;
  }
  for (const member of Object.keys(signature)) {
    if (!SIGNATURE_MEMBERS.has(member)) return `the signature has an unknown member "${member}"`;
  }
  const recordBytes = recordBytesOfLine(line);
  if (recordBytes === undefined) {
    return 'the line does not start with {"record": and end with the signature';
  }
  const eventBytes = eventBytesOfRecord(recordBytes);
  return { stream, seq, prev, eventDigest, event, keyId, signedAt, value, recordBytes, eventBytes };
}

/**
 * The record and signature members the checks need, and the bytes they hash, or why the line
 * is not a signed record. A line in the shape a pack writer makes takes the short way: the
 * hex digests, times and signature are read in one pass instead of being parsed as JSON.
 */
export function readRecordLine(line: Buffer): LineRecord | string {
  if (line.length === 0) return "the line is empty";
  const text = line.toString("utf8");
  return readCanonicalLine(line, text) ?? readAnyLine(line, text);
}
