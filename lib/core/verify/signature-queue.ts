import { type KeyObject, verify } from "node:crypto";
import type { Digest } from "../digest.ts";
import { RECORD_STATEMENT } from "../statement/index.ts";
import type { Problem } from "./problems.ts";

/**
 * The record statement's text, written straight from the template of its canonical form
 * (members in RFC 8785 order: digest, keyId, seq, statement, stream, time). A batch's records
 * mostly share their key id and stream, so their JSON forms are kept from the record before;
 * `recordStatementBytes` builds the same bytes, which a property test checks.
 */
export class StatementWriter {
  private keyId = "";
  private keyIdJson = '""';
  private stream = "";
  private streamJson = '""';

  text(digest: Digest, keyId: string, seq: number, stream: string, time: string): string {
    if (keyId !== this.keyId) {
      this.keyId = keyId;
      this.keyIdJson = JSON.stringify(keyId);
    }
    if (stream !== this.stream) {
      this.stream = stream;
      this.streamJson = JSON.stringify(stream);
    }
    return `{"digest":"${digest}","keyId":${this.keyIdJson},"seq":${seq},"statement":"${RECORD_STATEMENT}","stream":${this.streamJson},"time":${JSON.stringify(time)}}`;
  }
}

/** Numbers kept per queued signature: line, seq, stream index, statement start, signature start and end. */
const ENTRY = 6;

const BAD_SIGNATURE =
  "the signature does not verify with the trusted key: the record, its position or its signature was changed";

/**
 * The signatures of a batch, queued while its records are read and checked one after the other
 * at its end: run apart from the parsing and schema checks, the ECDSA code and its tables stay
 * in the processor's caches, which measurably lowers the cost of each verification.
 *
 * Each record's statement and decoded signature go into one buffer that is reused from batch to
 * batch, so the queue keeps no strings read from the lines: nothing of a batch's text stays
 * alive for the garbage collector to copy while the batch runs.
 */
export class SignatureQueue {
  private bytes = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private readonly entries: number[] = [];
  private readonly streams: string[] = [];
  private readonly statements = new StatementWriter();

  /** Empties the queue for the next batch; its buffer is kept. */
  clear(): void {
    this.used = 0;
    this.entries.length = 0;
    this.streams.length = 0;
  }

  add(
    line: number,
    stream: string,
    seq: number,
    digest: Digest,
    keyId: string,
    signedAt: string,
    value: string,
  ): void {
    const statement = this.statements.text(digest, keyId, seq, stream, signedAt);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; base64 decodes to fewer bytes than it has characters.
    this.reserve(statement.length * 3 + value.length);
    if (this.streams[this.streams.length - 1] !== stream) this.streams.push(stream);
    const statementStart = this.used;
    const signatureStart = statementStart + this.bytes.write(statement, statementStart, "utf8");
    this.used = signatureStart + this.bytes.write(value, signatureStart, "base64");
    this.entries.push(
      line,
      seq,
      this.streams.length - 1,
      statementStart,
      signatureStart,
      this.used,
    );
  }

  /** Verifies every queued signature with `key`; a problem for each that does not verify. */
  check(key: KeyObject): Omit<Problem, "file">[] {
    const problems: Omit<Problem, "file">[] = [];
    const { bytes, entries } = this;
    for (let at = 0; at < entries.length; at += ENTRY) {
      const signatureStart = entries[at + 4] as number;
      const message = bytes.subarray(entries[at + 3], signatureStart);
      if (!verifies(key, message, bytes.subarray(signatureStart, entries[at + 5]))) {
        problems.push({
          check: "record-signature",
          line: entries[at] as number,
          stream: this.streams[entries[at + 2] as number] as string,
          seq: entries[at + 1] as number,
          message: BAD_SIGNATURE,
        });
      }
    }
    return problems;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + bytes));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }
}

function verifies(key: KeyObject, message: Buffer, signature: Buffer): boolean {
  try {
    return verify("sha256", message, key, signature);
  } catch {
    return false;
  }
}
