import { generateKeyPairSync, verify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import { canonicalBytes, canonicalize } from "../../lib/core/canonical/index.ts";
import { sha256Digest } from "../../lib/core/digest.ts";
import {
  buildRecord,
  checkLink,
  GENESIS_DIGEST,
  recordDigest,
  signRecord,
  streamFor,
} from "../../lib/core/records/index.ts";
import {
  KeyFormatError,
  keyFingerprint,
  localKeyId,
  pemToSpki,
  publicKeyFromSpki,
  readSpki,
  spkiToPem,
} from "../../lib/core/signing/keys.ts";
import {
  assertSignable,
  MAX_STATEMENT_BYTES,
  manifestStatement,
  manifestStatementBytes,
  recordStatement,
  recordStatementBytes,
  StatementTooLargeError,
} from "../../lib/core/statement/index.ts";
import { sampleEvent } from "../helpers/events.ts";

const receivedAt = new Date("2025-03-01T12:00:00.000Z");

describe("streamFor", () => {
  it.each<[{ type: string; subject: Record<string, string> }, string]>([
    [{ type: "deploy.completed", subject: { releaseId: "r-42" } }, "release/r-42"],
    [{ type: "exception.granted", subject: { releaseId: "r-42" } }, "release/r-42"],
    [{ type: "exception.granted", subject: {} }, "control/exceptions"],
    [{ type: "legal-hold.placed", subject: {} }, "control/legal-holds"],
    [{ type: "pack.generated", subject: {} }, "control/packs"],
    [{ type: "key-usage.reported", subject: {} }, "control/key-usage"],
    [{ type: "build.completed", subject: { commit: "abc" } }, "control/unassigned"],
    [{ type: "build.completed", subject: { releaseId: "" } }, "control/unassigned"],
  ])("%j goes to %s", (event, stream) => {
    expect(streamFor(event)).toBe(stream);
  });
});

describe("buildRecord", () => {
  it("starts a stream at seq 1 linked to the genesis digest", () => {
    // Act
    const { record, digest } = buildRecord({
      event: sampleEvent(),
      head: undefined,
      receivedAt,
      sourceAccount: "111122223333",
      source: "evidence.ci",
    });
    // Assess
    expect(record.seq).toBe(1);
    expect(record.prev).toBe(GENESIS_DIGEST);
    expect(record.stream).toBe("release/r-100");
    expect(record.receivedAt).toBe("2025-03-01T12:00:00.000Z");
    expect(record.eventDigest).toBe(sha256Digest(canonicalBytes(sampleEvent())));
    expect(digest).toBe(sha256Digest(canonicalize(record)));
    expect(recordDigest(record)).toBe(digest);
  });

  it("links each record to the head it was built on", () => {
    const first = buildRecord({
      event: sampleEvent({ id: "e1" }),
      head: undefined,
      receivedAt,
      sourceAccount: "111122223333",
      source: "evidence.ci",
    });
    const second = buildRecord({
      event: sampleEvent({ id: "e2" }),
      head: { seq: first.record.seq, digest: first.digest },
      receivedAt,
      sourceAccount: "111122223333",
      source: "evidence.ci",
    });
    expect(second.record.seq).toBe(2);
    expect(second.record.prev).toBe(first.digest);
    expect(checkLink({ seq: 1, digest: first.digest }, second.record)).toBeUndefined();
  });

  it("refuses a head that is not a stream position", () => {
    const input = {
      event: sampleEvent(),
      receivedAt,
      sourceAccount: "111122223333",
      source: "evidence.ci",
    };
    expect(() => buildRecord({ ...input, head: { seq: 0, digest: GENESIS_DIGEST } })).toThrow(
      /positive integer/,
    );
    expect(() => buildRecord({ ...input, head: { seq: 3, digest: "sha256:xyz" } })).toThrow(
      /sha256:<64 hex>/,
    );
    expect(() =>
      buildRecord({ ...input, head: undefined, receivedAt: new Date(Number.NaN) }),
    ).toThrow(/receivedAt/);
  });
});

describe("checkLink", () => {
  const head = { seq: 4, digest: sha256Digest("four") };

  it("names a missing record, a duplicate and a broken link", () => {
    expect(checkLink(head, { seq: 6, prev: sha256Digest("five") })).toMatchObject({
      check: "chain-seq",
      expected: "5",
      found: "6",
      message: "record 5 is missing",
    });
    expect(checkLink(head, { seq: 9, prev: sha256Digest("eight") })?.message).toBe(
      "4 records are missing (seq 5 to 8)",
    );
    expect(checkLink(head, { seq: 4, prev: sha256Digest("three") })?.message).toMatch(
      /duplicated or out of order/,
    );
    expect(checkLink(head, { seq: 5, prev: sha256Digest("other") })).toMatchObject({
      check: "chain-link",
      expected: head.digest,
    });
  });

  it("checks the genesis link only for seq 1", () => {
    expect(checkLink(undefined, { seq: 1, prev: sha256Digest("x") })?.check).toBe("chain-start");
    expect(checkLink(undefined, { seq: 1, prev: GENESIS_DIGEST })).toBeUndefined();
    expect(checkLink(undefined, { seq: 7, prev: sha256Digest("x") })).toBeUndefined();
  });

  it("accepts exactly the successor of every head (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), (h, s) => {
        const finding = checkLink({ seq: h, digest: head.digest }, { seq: s, prev: head.digest });
        expect(finding === undefined).toBe(s === h + 1);
      }),
    );
  });
});

describe("statements", () => {
  const fields = {
    digest: sha256Digest("record"),
    stream: 'release/r-"quoted"-ü',
    seq: 12,
    time: "2025-03-01T12:00:00.000Z",
    keyId: "arn:aws:kms:eu-west-1:111122223333:key/1234",
  };

  it("signs the canonical form of a statement with its domain tag", () => {
    expect(recordStatementBytes(fields).toString()).toBe(canonicalize(recordStatement(fields)));
    expect(recordStatement(fields).statement).toBe("evidence-record/v1");
    const manifest = { digest: fields.digest, packId: "p-1", time: fields.time, keyId: "k" };
    expect(manifestStatementBytes(manifest).toString()).toBe(
      canonicalize(manifestStatement(manifest)),
    );
    expect(manifestStatement(manifest).statement).toBe("evidence-pack-manifest/v1");
  });

  it("matches the canonical form for any stream, time and key (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string(), fc.nat(), (stream, keyId, seq) => {
        const value = { ...fields, stream, keyId, seq };
        expect(recordStatementBytes(value).toString()).toBe(canonicalize(recordStatement(value)));
      }),
    );
  });

  it("refuses statements longer than KMS signs in RAW mode", () => {
    const long = recordStatementBytes({ ...fields, stream: "x".repeat(MAX_STATEMENT_BYTES) });
    expect(() => assertSignable(long)).toThrow(StatementTooLargeError);
    expect(() => assertSignable(recordStatementBytes(fields))).not.toThrow();
  });
});

describe("signRecord", () => {
  it("signs a statement a node:crypto verify accepts with the public key", async () => {
    // Prepare
    const signer = LocalSigner.generate();
    const { record, digest } = buildRecord({
      event: sampleEvent(),
      head: undefined,
      receivedAt,
      sourceAccount: "111122223333",
      source: "evidence.ci",
    });
    // Act
    const signed = await signRecord(record, signer, receivedAt);
    // Assess
    expect(signed.signature).toMatchObject({
      keyId: signer.keyId,
      algorithm: "ECDSA_SHA_256",
      signedAt: "2025-03-01T12:00:00.000Z",
    });
    const message = recordStatementBytes({
      digest,
      stream: record.stream,
      seq: record.seq,
      time: signed.signature.signedAt,
      keyId: signer.keyId,
    });
    const key = publicKeyFromSpki(signer.publicKeySpki);
    const signature = Buffer.from(signed.signature.value, "base64");
    expect(verify("sha256", message, key, signature)).toBe(true);
    expect(verify("sha256", Buffer.concat([message, Buffer.from(" ")]), key, signature)).toBe(
      false,
    );
  });

  it("keeps the signing service's request id", async () => {
    const signer = LocalSigner.generate();
    const withRequestId = {
      keyId: signer.keyId,
      sign: async (message: Uint8Array) => ({
        ...(await signer.sign(message)),
        requestId: "req-1",
      }),
    };
    const { record } = buildRecord({
      event: sampleEvent(),
      head: undefined,
      receivedAt,
      sourceAccount: "111122223333",
      source: "evidence.ci",
    });
    const signed = await signRecord(record, withRequestId, receivedAt);
    expect(signed.signature.requestId).toBe("req-1");
  });
});

describe("keys", () => {
  const signer = LocalSigner.generate();

  it("round-trips SPKI through PEM and fingerprints the DER bytes", () => {
    const pem = spkiToPem(signer.publicKeySpki);
    expect(pem).toMatch(
      /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/,
    );
    expect(pemToSpki(pem).equals(signer.publicKeySpki)).toBe(true);
    expect(readSpki(Buffer.from(pem)).equals(signer.publicKeySpki)).toBe(true);
    expect(readSpki(signer.publicKeySpki).equals(signer.publicKeySpki)).toBe(true);
    expect(keyFingerprint(signer.publicKeySpki)).toMatch(/^[0-9a-f]{64}$/);
    expect(signer.keyId).toBe(localKeyId(signer.publicKeySpki));
    expect(signer.keyId).toBe(`local:${keyFingerprint(signer.publicKeySpki).slice(0, 16)}`);
  });

  it("loads the same key from its PEM private key", () => {
    const again = LocalSigner.fromPrivateKeyPem(signer.privateKeyPem());
    expect(again.keyId).toBe(signer.keyId);
    expect(again.publicKeySpki.equals(signer.publicKeySpki)).toBe(true);
  });

  it("refuses keys that are not P-256 SPKI, saying which", () => {
    expect(() => readSpki(Buffer.from("not a key"))).toThrow(KeyFormatError);
    expect(() => pemToSpki("hello")).toThrow(/BEGIN PUBLIC KEY/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
      format: "der",
      type: "spki",
    });
    expect(() => publicKeyFromSpki(rsa)).toThrow(/key is rsa/);
  });
});
