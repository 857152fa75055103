import { GetPublicKeyCommand, KMSClient, SignCommand } from "@aws-sdk/client-kms";
import type { SignatureResult, Signer } from "../../core/signing/signer.ts";
import { type AwsTarget, clientConfig } from "../aws-config.ts";

/** Raised when KMS answers without the field the evidence plane needs. */
export class KmsAnswerError extends Error {
  override readonly name = "KmsAnswerError";
}

/** The signing key's public half, as a pack and an offline verifier take it. */
export interface SigningPublicKey {
  /** The key id signatures name (the signer's configured key id, a key ARN in a deployment). */
  readonly keyId: string;
  /** DER SubjectPublicKeyInfo (`crypto.createPublicKey({ key, format: "der", type: "spki" })`). */
  readonly spki: Uint8Array;
}

/**
 * A {@link Signer} backed by a KMS ECC_NIST_P256 SIGN_VERIFY key. Signs RAW messages (KMS hashes
 * them with SHA-256): a DIGEST message type would let callers sign a hash they never showed, and
 * the emulator hashes DIGEST input again, so RAW is both the safer and the portable choice.
 */
export class KmsSigner implements Signer {
  readonly keyId: string;
  readonly client: KMSClient;

  constructor(options: { keyId: string; client: KMSClient }) {
    this.keyId = options.keyId;
    this.client = options.client;
  }

  /** Builds a signer with its own client for `target`. */
  static forTarget(target: AwsTarget, keyId: string): KmsSigner {
    return new KmsSigner({ keyId, client: new KMSClient(clientConfig(target)) });
  }

  async sign(message: Uint8Array): Promise<SignatureResult> {
    const out = await this.client.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: message,
        MessageType: "RAW",
        SigningAlgorithm: "ECDSA_SHA_256",
      }),
    );
    if (!out.Signature)
      throw new KmsAnswerError(`KMS Sign with ${this.keyId} returned no signature`);
    const requestId = out.$metadata.requestId;
    return {
      signature: out.Signature,
      keyId: out.KeyId ?? this.keyId,
      ...(requestId ? { requestId } : {}),
    };
  }

  /** The key's public half (DER SPKI) and ARN: pin it, never trust one a pack carries. */
  async publicKey(): Promise<SigningPublicKey> {
    const out = await this.client.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    if (!out.PublicKey) {
      throw new KmsAnswerError(`KMS GetPublicKey for ${this.keyId} returned no key`);
    }
    // The key id statements name is the one this signer was configured with.
    return { keyId: this.keyId, spki: out.PublicKey };
  }
}
