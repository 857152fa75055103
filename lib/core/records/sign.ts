import type { Digest } from "../digest.ts";
import { type KeyedSigner, SIGNING_ALGORITHM } from "../signing/keys.ts";
import { assertSignable, recordStatementBytes } from "../statement/index.ts";
import { recordDigest } from "./build.ts";
import type { EvidenceRecord, RecordSignature, SignedRecord } from "./types.ts";

/**
 * Signs a record's statement (its digest, stream, seq, the time `now` and the key id) and
 * returns the record with its signature. Pass `digest` when it is already known, to skip
 * hashing the record again. The key id in the statement is the signer's own `keyId` (a KMS
 * signer's configured key), so it is known before signing; the public key, not this label, is
 * what verification trusts.
 */
export async function signRecord(
  record: EvidenceRecord,
  signer: KeyedSigner,
  now: Date,
  digest: Digest = recordDigest(record),
): Promise<SignedRecord> {
  const time = now.toISOString();
  const keyId = signer.keyId;
  const message = recordStatementBytes({
    digest,
    stream: record.stream,
    seq: record.seq,
    time,
    keyId,
  });
  assertSignable(message);
  const result = await signer.sign(message);
  const signature: RecordSignature = {
    keyId,
    algorithm: SIGNING_ALGORITHM,
    signedAt: time,
    value: Buffer.from(result.signature).toString("base64"),
    ...(result.requestId === undefined ? {} : { requestId: result.requestId }),
  };
  return { record, signature };
}
