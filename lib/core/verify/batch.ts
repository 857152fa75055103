import { hash, type KeyObject } from "node:crypto";
import { canonicalBytes } from "../canonical/index.ts";
import type { Digest } from "../digest.ts";
import { validateEvent } from "../events/precompiled.ts";
import { checkLink } from "../records/chain.ts";
import { type StreamKey, streamFor } from "../records/stream.ts";
import { readRecordLine } from "./line.ts";
import type { Problem } from "./problems.ts";
import { SignatureQueue } from "./signature-queue.ts";

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

/** The stream an event belongs to, without copying the event. */
function streamOfEvent(event: Record<string, unknown>, stream: string): string {
  const type = event.type;
  if (typeof type !== "string") return stream;
  return streamFor({ type, subject: event.subject as StreamKey["subject"] });
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

/** Batches run one at a time on a thread, so one queue serves them all. */
const signatures = new SignatureQueue();

/**
 * Verifies the lines in `bytes` (whole lines; the last may lack its newline). Never throws for
 * bad input: everything wrong is returned as a problem.
 */
export function verifyBatch(bytes: Uint8Array, context: BatchContext): BatchResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const problems: BatchProblem[] = [];
  const segments: BatchSegment[] = [];
  const keyIds = new Set<string>();
  let lastKeyId: string | undefined;
  const { key } = context;
  signatures.clear();
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
    // Records mostly share one key id: comparing with the last is cheaper than hashing it.
    if (parsed.keyId !== lastKeyId) {
      lastKeyId = parsed.keyId;
      keyIds.add(lastKeyId);
    }

    if (key) {
      signatures.add(line, stream, seq, digest, parsed.keyId, parsed.signedAt, parsed.value);
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
  const signatureProblems = key ? signatures.check(key) : [];
  return {
    lines,
    segments,
    problems: mergeByLine(signatureProblems, problems),
    keyIds: [...keyIds],
  };
}
