import type { JsonObject } from "../canonical/json-value.ts";
import type { Digest } from "../digest.ts";

/** The `prev` of the first record in every stream. */
export const GENESIS_DIGEST: Digest = `sha256:${"0".repeat(64)}`;

/** Version tag carried by every record. */
export const RECORD_VERSION = "evidence-record/v1";

/**
 * One accepted event, placed in its stream. Its digest is SHA-256 of its canonical form
 * (RFC 8785), and the next record in the stream carries that digest as `prev`.
 */
export interface EvidenceRecord {
  readonly recordVersion: typeof RECORD_VERSION;
  /** `release/<releaseId>` for release evidence, `control/<family>` for release-less evidence. */
  readonly stream: string;
  /** Position in the stream: 1, 2, 3... with no gaps. */
  readonly seq: number;
  /** Digest of the previous record in the stream, or {@link GENESIS_DIGEST} for seq 1. */
  readonly prev: Digest;
  /** SHA-256 of the canonical event. */
  readonly eventDigest: Digest;
  /** When the evidence account received the event (RFC 3339, UTC, milliseconds). */
  readonly receivedAt: string;
  /** AWS account that put the event on the bus, from the EventBridge envelope (never from the payload). */
  readonly sourceAccount: string;
  /** EventBridge `source` of the event, for example `evidence.github-actions`. */
  readonly source: string;
  /** The validated event, exactly as accepted. */
  readonly event: JsonObject;
}

/** The signature over a record's statement, kept beside (not inside) the record. */
export interface RecordSignature {
  readonly keyId: string;
  readonly algorithm: "ECDSA_SHA_256";
  /** Time inside the signed statement (KMS signatures carry no time of their own). */
  readonly signedAt: string;
  /** DER signature, base64. */
  readonly value: string;
  /** Signing service request id, matched against CloudTrail's Sign entries. */
  readonly requestId?: string;
}

/** A record and its signature: one line of a pack's records file, and one item of the event table. */
export interface SignedRecord {
  readonly record: EvidenceRecord;
  readonly signature: RecordSignature;
}
