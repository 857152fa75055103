import { createHash } from "node:crypto";
import type { LockMode } from "../adapters/archive-store.ts";
import { QUARANTINE_PREFIX } from "../config/layout.ts";
import { canonicalBytes } from "../core/canonical/index.ts";
import type { DeliveryEnvelope, QuarantineReason } from "./delivery.ts";

/** Version tag of a quarantine document. */
export const QUARANTINE_VERSION = "evidence-quarantine/v1";

/** A refused message, kept whole with its reasons. */
export interface QuarantineDocument {
  readonly quarantineVersion: typeof QUARANTINE_VERSION;
  /** SHA-256 of the raw message body: also what the object key is derived from. */
  readonly bodyDigest: string;
  /** The raw message body, base64, exactly as delivered. */
  readonly body: string;
  readonly reasons: readonly QuarantineReason[];
  readonly receivedAt: string;
  /** SQS message id of the delivery that was refused first. */
  readonly messageId: string;
  readonly envelope?: DeliveryEnvelope;
}

/** Where quarantined messages are written (Object Lock bucket). */
export interface QuarantineStore {
  /** Writes `body` at `key` unless an object is already there; true when it wrote. */
  writeOnce(put: {
    key: string;
    body: Uint8Array;
    retainUntil: Date;
    lockMode: LockMode;
  }): Promise<boolean>;
}

/**
 * Key of a quarantined message: derived from the body's digest so a redelivery of the same
 * message lands on the same key (and is not stored twice), spread over 256 prefixes.
 */
export function quarantineKey(body: Uint8Array | string): string {
  const hex = createHash("sha256").update(body).digest("hex");
  return `${QUARANTINE_PREFIX}${hex.slice(0, 2)}/${hex}.json`;
}

/** The quarantine document for a refused message, as canonical JSON bytes. */
export function quarantineDocument(input: {
  body: string;
  reasons: readonly QuarantineReason[];
  receivedAt: Date;
  messageId: string;
  envelope?: DeliveryEnvelope;
}): { document: QuarantineDocument; bytes: Buffer } {
  const raw = Buffer.from(input.body, "utf8");
  const document: QuarantineDocument = {
    quarantineVersion: QUARANTINE_VERSION,
    bodyDigest: `sha256:${createHash("sha256").update(raw).digest("hex")}`,
    body: raw.toString("base64"),
    reasons: input.reasons,
    receivedAt: input.receivedAt.toISOString(),
    messageId: input.messageId,
    ...(input.envelope ? { envelope: input.envelope } : {}),
  };
  return { document, bytes: canonicalBytes(document) };
}
