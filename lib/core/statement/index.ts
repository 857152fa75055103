import type { Digest } from "../digest.ts";

/**
 * Statements are the compact messages that are actually signed. A statement names what it
 * speaks for with a domain tag (`statement`), so a record signature can never be replayed as a
 * manifest signature and the other way round. KMS signatures carry no time, so the signing time
 * is inside. Each statement is signed as its RFC 8785 canonical bytes (RAW, well under the 4096
 * bytes KMS accepts).
 */

/** Domain tag of a record statement. */
export const RECORD_STATEMENT = "evidence-record/v1";
/** Domain tag of a pack manifest statement. */
export const MANIFEST_STATEMENT = "evidence-pack-manifest/v1";
/** The largest message KMS signs in RAW mode. */
export const MAX_STATEMENT_BYTES = 4096;

/** What a record signature says: "record `digest` is number `seq` of `stream`". */
export interface RecordStatement {
  readonly statement: typeof RECORD_STATEMENT;
  /** SHA-256 of the record's canonical bytes. */
  readonly digest: Digest;
  readonly stream: string;
  readonly seq: number;
  /** Signing time, RFC 3339 UTC. */
  readonly time: string;
  readonly keyId: string;
}

/** What a manifest signature says: "pack `packId` has manifest `digest`". */
export interface ManifestStatement {
  readonly statement: typeof MANIFEST_STATEMENT;
  /** SHA-256 of the manifest.json bytes. */
  readonly digest: Digest;
  readonly packId: string;
  readonly time: string;
  readonly keyId: string;
}

/** Raised when a statement would be longer than KMS signs in RAW mode. */
export class StatementTooLargeError extends Error {
  override readonly name = "StatementTooLargeError";
  readonly bytes: number;

  constructor(bytes: number) {
    super(
      `statement is ${bytes} bytes, over the ${MAX_STATEMENT_BYTES} KMS signs in RAW mode; shorten the stream name or key id`,
    );
    this.bytes = bytes;
  }
}

/** A record statement from its fields. */
export function recordStatement(fields: Omit<RecordStatement, "statement">): RecordStatement {
  return {
    statement: RECORD_STATEMENT,
    digest: fields.digest,
    stream: fields.stream,
    seq: fields.seq,
    time: fields.time,
    keyId: fields.keyId,
  };
}

/** A manifest statement from its fields. */
export function manifestStatement(fields: Omit<ManifestStatement, "statement">): ManifestStatement {
  return {
    statement: MANIFEST_STATEMENT,
    digest: fields.digest,
    packId: fields.packId,
    time: fields.time,
    keyId: fields.keyId,
  };
}

/**
 * The bytes signed for a record: the canonical form of its {@link RecordStatement}.
 * Written out member by member in RFC 8785 order (digest, keyId, seq, statement, stream, time)
 * because the verifier builds one per record; equal to `canonicalBytes(recordStatement(...))`.
 */
export function recordStatementBytes(fields: Omit<RecordStatement, "statement">): Buffer {
  if (!Number.isSafeInteger(fields.seq)) {
    throw new RangeError(`seq ${fields.seq} is not a safe integer`);
  }
  return Buffer.from(
    `{"digest":${JSON.stringify(fields.digest)},"keyId":${JSON.stringify(fields.keyId)},"seq":${fields.seq},"statement":"${RECORD_STATEMENT}","stream":${JSON.stringify(fields.stream)},"time":${JSON.stringify(fields.time)}}`,
    "utf8",
  );
}

/** The bytes signed for a pack manifest: the canonical form of its {@link ManifestStatement}. */
export function manifestStatementBytes(fields: Omit<ManifestStatement, "statement">): Buffer {
  return Buffer.from(
    `{"digest":${JSON.stringify(fields.digest)},"keyId":${JSON.stringify(fields.keyId)},"packId":${JSON.stringify(fields.packId)},"statement":"${MANIFEST_STATEMENT}","time":${JSON.stringify(fields.time)}}`,
    "utf8",
  );
}

/** Throws {@link StatementTooLargeError} when `bytes` cannot be signed in RAW mode. */
export function assertSignable(bytes: Uint8Array): void {
  if (bytes.byteLength > MAX_STATEMENT_BYTES) throw new StatementTooLargeError(bytes.byteLength);
}
