import { hash, type KeyObject, verify } from "node:crypto";
import { canonicalBytes } from "../canonical/index.ts";
import type { Digest } from "../digest.ts";
import { validateEvent } from "../events/precompiled.ts";
import { checkLink } from "../records/chain.ts";
import { type StreamKey, streamFor } from "../records/stream.ts";
import { RECORD_STATEMENT } from "../statement/index.ts";
import { readRecordLine } from "./line.ts";
import type { Problem } from "./problems.ts";

/**
 * Verification of whole lines of a records file: the per-record work (parse, digests,
 * signature, schema, stream) plus the hash links between the records of the batch. Runs inside
 * a worker; the calling thread links batches to each other through their segments.
 */

/** A run of records of one stream inside a batch, as far as the batch can link them. */
export interface BatchSegment {
  readonly stream: string;
  readonly firstSeq: number;
  readonly firstPrev: string;
  /** 1-based line within the batch. */
  readonly firstLine: number;
  lastSeq: number;
  lastDigest: Digest;
  records: number;
}

/** A problem of a batch; `line` counts from the batch's first line. */
export type BatchProblem = Omit<Problem, "file">;

export interface BatchResult {
  /** Lines in the batch, empty ones included. */
  readonly lines: number;
  readonly segments: BatchSegment[];
  readonly problems: BatchProblem[];
  /** Distinct signature key ids seen. */
  readonly keyIds: string[];
}

/** What a batch is checked against: the trusted public key, or none (signatures unchecked). */
export interface BatchContext {
  readonly key: KeyObject | undefined;
}

function sha256(bytes: Uint8Array): Digest {
  // One-shot: no Hash object per record, so nothing for the garbage collector to finalize.
  return `sha256:${hash("sha256", bytes, "hex")}`;
}

function eventDigestOf(eventBytes: Buffer | undefined, event: object): Digest | undefined {
  if (eventBytes) return sha256(eventBytes);
  try {
    return sha256(canonicalBytes(event));
  } catch {
    return undefined;
  }
}

/** Decoded signatures land here: a DER ECDSA P-256 signature is at most 72 bytes. */
const signatureScratch = Buffer.allocUnsafe(128);

function signatureVerifies(key: KeyObject, message: Buffer, value: string): boolean {
  try {
    // Base64 text of up to 168 characters decodes to at most 126 bytes: it fits.
    const signature =
      value.length <= 168
        ? signatureScratch.subarray(0, signatureScratch.write(value, "base64"))
        : Buffer.from(value, "base64");
    return verify("sha256", message, key, signature);
  } catch {
    return false;
  }
}

/**
 * The record statement's bytes, written straight from the template of its canonical form
 * (members in RFC 8785 order: digest, keyId, seq, statement, stream, time). A batch's records
 * mostly share their key id and stream, so their JSON forms are kept from the record before;
 * `recordStatementBytes` builds the same bytes, which a property test checks.
 */
export class StatementWriter {
  private keyId = "";
  private keyIdJson = '""';
  private stream = "";
  private streamJson = '""';
  private readonly scratch = Buffer.allocUnsafe(2048);

  /** The statement's bytes, in a buffer the writer reuses: valid until the next call. */
  bytes(digest: Digest, keyId: string, seq: number, stream: string, time: string): Buffer {
    if (keyId !== this.keyId) {
      this.keyId = keyId;
      this.keyIdJson = JSON.stringify(keyId);
    }
    if (stream !== this.stream) {
      this.stream = stream;
      this.streamJson = JSON.stringify(stream);
    }
    const text = `{"digest":"${digest}","keyId":${this.keyIdJson},"seq":${seq},"statement":"${RECORD_STATEMENT}","stream":${this.streamJson},"time":${JSON.stringify(time)}}`;
    // A UTF-16 unit takes at most 3 bytes of UTF-8: within a third of the scratch, it fits.
    if (text.length * 3 > this.scratch.length) return Buffer.from(text, "utf8");
    return this.scratch.subarray(0, this.scratch.write(text, "utf8"));
  }
}

/** The stream an event belongs to, without copying the event. */
function streamOfEvent(event: Record<string, unknown>, stream: string): string {
  const type = event.type;
  if (typeof type !== "string") return stream;
  return streamFor({ type, subject: event.subject as StreamKey["subject"] });
}

/** A signature to check once the batch's other checks are done. */
interface SignatureCheck {
  readonly line: number;
  readonly stream: string;
  readonly seq: number;
  readonly digest: Digest;
  readonly keyId: string;
  readonly signedAt: string;
  readonly value: string;
}

/**
 * Checks the batch's signatures one after the other. Run apart from the parsing and schema
 * checks, the ECDSA code and its tables stay in the processor's caches, which measurably
 * lowers the cost of each verification.
 */
function checkSignatures(key: KeyObject, checks: readonly SignatureCheck[]): BatchProblem[] {
  const problems: BatchProblem[] = [];
  const statements = new StatementWriter();
  for (const { line, stream, seq, digest, keyId, signedAt, value } of checks) {
    const message = statements.bytes(digest, keyId, seq, stream, signedAt);
    if (!signatureVerifies(key, message, value)) {
      problems.push({
        check: "record-signature",
        line,
        stream,
        seq,
        message:
          "the signature does not verify with the trusted key: the record, its position or its signature was changed",
      });
    }
  }
  return problems;
}

/**
 * Both lists in line order, as one: a record's signature problem before its other problems, as
 * the checks of one record are listed.
 */
function mergeByLine(first: BatchProblem[], second: BatchProblem[]): BatchProblem[] {
  if (first.length === 0) return second;
  if (second.length === 0) return first;
  const merged: BatchProblem[] = [];
  let a = 0;
  let b = 0;
  while (a < first.length || b < second.length) {
    const left = first[a];
    const right = second[b];
    if (right === undefined || (left !== undefined && (left.line ?? 0) <= (right.line ?? 0))) {
      merged.push(left as BatchProblem);
      a++;
    } else {
      merged.push(right);
      b++;
    }
  }
  return merged;
}

/**
 * Verifies the lines in `bytes` (whole lines; the last may lack its newline). Never throws for
 * bad input: everything wrong is returned as a problem.
 */
export function verifyBatch(bytes: Uint8Array, context: BatchContext): BatchResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const problems: BatchProblem[] = [];
  const segments: BatchSegment[] = [];
  const keyIds = new Set<string>();
  const signatures: SignatureCheck[] = [];
  const { key } = context;
  let segment: BatchSegment | undefined;
  let lines = 0;
  let start = 0;
  while (start < buffer.length) {
    let end = buffer.indexOf(10, start);
    if (end === -1) end = buffer.length;
    lines++;
    const line = lines;
    const lineBytes = buffer.subarray(start, end);
    start = end + 1;

    const parsed = readRecordLine(lineBytes);
    if (typeof parsed === "string") {
      problems.push({ check: "record-parse", line, message: parsed });
      continue;
    }
    const { stream, seq, event } = parsed;
    const digest = sha256(parsed.recordBytes);
    keyIds.add(parsed.keyId);

    if (key) {
      const { keyId, signedAt, value } = parsed;
      signatures.push({ line, stream, seq, digest, keyId, signedAt, value });
    }

    const eventDigest = eventDigestOf(parsed.eventBytes, event);
    if (eventDigest !== parsed.eventDigest) {
      problems.push({
        check: "event-digest",
        line,
        stream,
        seq,
        expected: parsed.eventDigest,
        found: eventDigest ?? "(no canonical form)",
        message: "the event is not the one whose digest the record carries",
      });
    }

    const validation = validateEvent(event);
    if (!validation.valid) {
      problems.push({
        check: "event-schema",
        line,
        stream,
        seq,
        message: validation.issues.map((issue) => issue.message).join("; "),
      });
    }

    const expectedStream = streamOfEvent(event, stream);
    if (expectedStream !== stream) {
      problems.push({
        check: "record-stream",
        line,
        stream,
        seq,
        expected: expectedStream,
        found: stream,
        message: `the event belongs to ${expectedStream}`,
      });
    }

    if (segment?.stream === stream) {
      if (seq !== segment.lastSeq + 1 || parsed.prev !== segment.lastDigest) {
        const finding = checkLink({ seq: segment.lastSeq, digest: segment.lastDigest }, parsed);
        if (finding) problems.push({ line, stream, seq, ...finding });
      }
      segment.lastSeq = seq;
      segment.lastDigest = digest;
      segment.records++;
    } else {
      segment = {
        stream,
        firstSeq: seq,
        firstPrev: parsed.prev,
        firstLine: line,
        lastSeq: seq,
        lastDigest: digest,
        records: 1,
      };
      segments.push(segment);
    }
  }
  const signatureProblems = key ? checkSignatures(key, signatures) : [];
  return {
    lines,
    segments,
    problems: mergeByLine(signatureProblems, problems),
    keyIds: [...keyIds],
  };
}
