/** What a {@link Signer} returns for one message. */
export interface SignatureResult {
  /** ECDSA P-256 signature over SHA-256 of the message, DER-encoded (as KMS returns it). */
  readonly signature: Uint8Array;
  /** Identifier of the key that signed (a KMS key ARN, or `local:<fingerprint>`). */
  readonly keyId: string;
  /** The signing service's request id, kept so each signature can be matched to its audit log entry. */
  readonly requestId?: string;
}

/**
 * Signs a message (RAW, at most 4096 bytes) with ECDSA_SHA_256 on a P-256 key.
 * Implementations: the KMS adapter in production, a node:crypto key in tests and local use.
 */
export interface Signer {
  sign(message: Uint8Array): Promise<SignatureResult>;
}
