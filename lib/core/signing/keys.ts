import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import type { Signer } from "./signer.ts";

/** The one signature algorithm evidence uses: ECDSA on NIST P-256 over SHA-256, DER-encoded. */
export const SIGNING_ALGORITHM = "ECDSA_SHA_256";

/**
 * A {@link Signer} that knows its key id before it signs: statements name the key inside the
 * signed bytes. The KMS signer's key id is its key ARN; a local key's is {@link localKeyId}.
 */
export interface KeyedSigner extends Signer {
  readonly keyId: string;
}

const PEM_LABEL = "PUBLIC KEY";
const PEM_PATTERN = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/;

/** Why bytes could not be used as an evidence public key. */
export type KeyFormatErrorCode = "not-spki" | "not-p256";

/** Raised for a public key that is not an ECDSA P-256 SubjectPublicKeyInfo (PEM or DER). */
export class KeyFormatError extends Error {
  override readonly name = "KeyFormatError";
  readonly code: KeyFormatErrorCode;

  constructor(code: KeyFormatErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Fingerprint of a public key: SHA-256 of its DER SubjectPublicKeyInfo, lowercase hex.
 * The same bytes KMS GetPublicKey returns, so `openssl pkey -pubin -outform DER | sha256sum`
 * gives the same value.
 */
export function keyFingerprint(spki: Uint8Array): string {
  return createHash("sha256").update(spki).digest("hex");
}

/** Key id of a node:crypto key: `local:` and the first 16 hex digits of its fingerprint. */
export function localKeyId(spki: Uint8Array): string {
  return `local:${keyFingerprint(spki).slice(0, 16)}`;
}

/** DER SubjectPublicKeyInfo as a PEM `PUBLIC KEY` block (64-character lines, trailing newline). */
export function spkiToPem(spki: Uint8Array): string {
  const base64 = Buffer.from(spki).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${PEM_LABEL}-----\n${lines.join("\n")}\n-----END ${PEM_LABEL}-----\n`;
}

/** The DER bytes inside a PEM `PUBLIC KEY` block. */
export function pemToSpki(pem: string): Buffer {
  const match = PEM_PATTERN.exec(pem);
  if (!match?.[1]) {
    throw new KeyFormatError(
      "not-spki",
      "no '-----BEGIN PUBLIC KEY-----' block found; give an SPKI public key in PEM or DER form",
    );
  }
  return Buffer.from(match[1].replace(/\s+/g, ""), "base64");
}

/**
 * Reads a public key given as PEM text or DER bytes and returns its DER SPKI, after checking
 * that it is an ECDSA P-256 key.
 */
export function readSpki(bytes: Uint8Array): Buffer {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.subarray(0, 64).toString("latin1");
  const der = text.includes("-----BEGIN")
    ? pemToSpki(buffer.toString("utf8"))
    : Buffer.from(buffer);
  publicKeyFromSpki(der);
  return der;
}

/**
 * A KeyObject for a DER SPKI public key; create it once and reuse it, since parsing the key
 * costs more than a verification. Refuses anything but an EC key on P-256.
 */
export function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (error) {
    throw new KeyFormatError(
      "not-spki",
      "the bytes are not a DER SubjectPublicKeyInfo public key; give the key KMS GetPublicKey returns, in PEM or DER form",
      { cause: error },
    );
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== "ec" || curve !== "prime256v1") {
    throw new KeyFormatError(
      "not-p256",
      `the key is ${key.asymmetricKeyType ?? "unknown"}${curve ? ` on ${curve}` : ""}; evidence is signed with ECDSA P-256 (KMS key spec ECC_NIST_P256)`,
    );
  }
  return key;
}
