import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from "node:crypto";
import { type KeyedSigner, localKeyId } from "../../core/signing/keys.ts";
import type { SignatureResult } from "../../core/signing/signer.ts";

/**
 * An ECDSA P-256 signer on a node:crypto key, for tests, the local evidence plane and
 * benchmarks. Signatures are DER-encoded SHA-256 ECDSA, exactly what KMS returns for an
 * ECC_NIST_P256 key with ECDSA_SHA_256, so verification cannot tell them apart.
 *
 * @example
 * const signer = LocalSigner.generate();
 * const pem = signer.privateKeyPem(); // keep it to sign with the same key later
 * const again = LocalSigner.fromPrivateKeyPem(pem);
 */
export class LocalSigner implements KeyedSigner {
  /** `local:` and the first 16 hex digits of the public key fingerprint. */
  readonly keyId: string;
  /** The public key as DER SubjectPublicKeyInfo (what KMS GetPublicKey returns). */
  readonly publicKeySpki: Buffer;
  private readonly privateKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
      throw new Error("a local signing key must be an EC key on P-256 (prime256v1)");
    }
    this.privateKey = privateKey;
    this.publicKeySpki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
    this.keyId = localKeyId(this.publicKeySpki);
  }

  /** A signer with a fresh random P-256 key. */
  static generate(): LocalSigner {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return new LocalSigner(privateKey);
  }

  /** A signer for a PKCS#8 (or SEC1) PEM private key, as written by {@link privateKeyPem}. */
  static fromPrivateKeyPem(pem: string): LocalSigner {
    return new LocalSigner(createPrivateKey(pem));
  }

  /** The private key as PKCS#8 PEM, to store and load again. */
  privateKeyPem(): string {
    return this.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  }

  /** Signs synchronously; {@link sign} wraps it to meet the Signer interface. */
  signSync(message: Uint8Array): Buffer {
    return sign("sha256", message, { key: this.privateKey, dsaEncoding: "der" });
  }

  async sign(message: Uint8Array): Promise<SignatureResult> {
    return { signature: this.signSync(message), keyId: this.keyId };
  }
}
