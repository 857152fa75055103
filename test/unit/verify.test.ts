import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import { PackReadError } from "../../lib/core/pack/reader.ts";
import { buildRecord, signRecord } from "../../lib/core/records/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import { keyFingerprint } from "../../lib/core/signing/keys.ts";
import { CHECKS, type Check } from "../../lib/core/verify/problems.ts";
import { type VerifyOptions, verifyPack } from "../../lib/core/verify/verifier.ts";
import { sampleEvent } from "../helpers/events.ts";
import {
  editLines,
  editPack,
  packBytes,
  pieces,
  signedRelease,
  testSigner,
  unpack,
} from "../helpers/packs.ts";

const inline: VerifyOptions = { workers: 0 };

async function verifyBytes(bytes: Uint8Array, options: VerifyOptions = inline) {
  return verifyPack(pieces(bytes, 1000), options);
}

function checksOf(report: { problems: readonly { check: Check }[] }): Set<Check> {
  return new Set(report.problems.map((problem) => problem.check));
}

/** A valid pack: release r-1 (12 records in files of 5) and release r-2 (3 records), one extra file. */
async function validPack(): Promise<{ bytes: Buffer; records: SignedRecord[] }> {
  const records = [...(await signedRelease("r-1", 12)), ...(await signedRelease("r-2", 3))];
  const { bytes } = await packBytes(records, {
    maxRecordsPerChunk: 5,
    files: [{ path: "report.html", content: "<p>12 records</p>" }],
  });
  return { bytes, records };
}

const fixture = validPack();

describe("verifyPack on intact packs", () => {
  it("accepts a pack and reports what it checked", async () => {
    const { bytes } = await fixture;
    const report = await verifyBytes(bytes);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({
      valid: true,
      records: 15,
      streams: 2,
      files: 7,
      problemCount: 0,
      key: {
        pinned: false,
        fingerprint: keyFingerprint(testSigner.publicKeySpki),
        keyId: testSigner.keyId,
      },
      pack: { formatVersion: "evidence-pack/v1", scope: { kind: "release", value: "r-1" } },
    });
  });

  it("accepts it with the signing key pinned, and says so", async () => {
    const { bytes } = await fixture;
    const report = await verifyBytes(bytes, { ...inline, trustedKey: testSigner.publicKeySpki });
    expect(report.valid).toBe(true);
    expect(report.key.pinned).toBe(true);
  });

  it("gives the same verdict on worker threads, batch by batch", async () => {
    // Prepare: small batches so records of one file cross several batches and workers
    const { bytes } = await fixture;
    const tampered = await editLines(bytes, (lines) =>
      [lines[0], lines[2], lines[1], lines[3], lines[4]].filter((l) => l !== undefined),
    );
    // Act
    const onThread = await verifyBytes(tampered, { workers: 0, batchBytes: 1500 });
    const onWorkers = await verifyBytes(tampered, { workers: 2, batchBytes: 1500 });
    // Assess
    expect(onWorkers.problems).toEqual(onThread.problems);
    expect(onWorkers.problems.some((p) => p.check === "chain-seq" && p.line === 2)).toBe(true);
  });

  it("reads every batch right when batch buffers are reused across many batches", async () => {
    // Prepare: 60 records in batches of about two records, far more batches than buffers
    const records = await signedRelease("r-many", 60, testSigner);
    const { bytes } = await packBytes(records);
    const tampered = await editLines(bytes, (lines) =>
      lines.map((line, index) => (index === 47 ? line.replace('"seq":48', '"seq":49') : line)),
    );
    // Act
    const valid = await verifyBytes(bytes, { workers: 2, batchBytes: 1500 });
    const onThread = await verifyBytes(tampered, { workers: 0, batchBytes: 1500 });
    const onWorkers = await verifyBytes(tampered, { workers: 2, batchBytes: 1500 });
    // Assess
    expect(valid.problems).toEqual([]);
    expect(valid.records).toBe(60);
    expect(onWorkers.problems).toEqual(onThread.problems);
    expect(onWorkers.problems.some((p) => p.check === "record-signature" && p.line === 48)).toBe(
      true,
    );
  });

  it("accepts every pack the writer makes (property)", async () => {
    const signers = [testSigner];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 2 }),
        async (sizes, perChunk, extras) => {
          const records: SignedRecord[] = [];
          for (const [index, size] of sizes.entries()) {
            records.push(...(await signedRelease(`r-${index}`, size, signers[0])));
          }
          const files = extras.map((content, index) => ({ path: `extra/${index}.txt`, content }));
          const { bytes } = await packBytes(records, { maxRecordsPerChunk: perChunk, files });
          const report = await verifyBytes(bytes);
          expect(report.problems).toEqual([]);
          expect(report.records).toBe(records.length);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("verifyPack detects every change with a named reason", () => {
  it("detects any flipped byte in any entry (property)", async () => {
    const { bytes } = await fixture;
    const entries = await unpack(bytes);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: entries.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (entryIndex, position, xor) => {
          const target = entries[entryIndex];
          if (!target) throw new Error("no entry");
          const offset = position % target.content.length;
          const tampered = await editPack(bytes, (list) =>
            list.map((entry, index) => {
              if (index !== entryIndex) return entry;
              const content = Buffer.from(entry.content);
              content[offset] = (content[offset] ?? 0) ^ xor;
              return { path: entry.path, content };
            }),
          );
          const report = await verifyBytes(tampered);
          expect(report.valid).toBe(false);
          for (const problem of report.problems)
            expect(Object.keys(CHECKS)).toContain(problem.check);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("names a changed record: its signature, its event digest and its file", async () => {
    const { bytes } = await fixture;
    const tampered = await editLines(bytes, (lines) =>
      lines.map((line, index) =>
        index === 2 ? line.replace('"buildId":"b-1"', '"buildId":"b-2"') : line,
      ),
    );
    const report = await verifyBytes(tampered);
    expect(checksOf(report)).toEqual(
      new Set(["record-signature", "event-digest", "file-digest", "chain-link"]),
    );
    expect(report.problems.find((p) => p.check === "chain-link")).toMatchObject({ seq: 4 });
    expect(report.problems.find((p) => p.check === "record-signature")).toMatchObject({
      file: "records/000001.jsonl",
      line: 3,
      stream: "release/r-1",
      seq: 3,
    });
  });

  it("names a removed record in the middle and at the head", async () => {
    const { bytes } = await fixture;
    const middle = await verifyBytes(
      await editLines(bytes, (lines) => lines.filter((_, i) => i !== 1)),
    );
    expect(middle.problems.find((p) => p.check === "chain-seq")).toMatchObject({
      stream: "release/r-1",
      seq: 3,
      expected: "2",
      found: "3",
      message: "record 2 is missing",
    });
    expect(checksOf(middle)).toContain("stream-count");
    const head = await verifyBytes(
      await editLines(bytes, (lines) => lines.slice(0, -1), "records/000003.jsonl"),
    );
    expect(head.problems.find((p) => p.check === "stream-head")).toMatchObject({
      stream: "release/r-2",
      message: "the pack lacks records 3 to 3 of the signed head",
    });
  });

  it("names a duplicated, a reordered and an inserted record", async () => {
    const { bytes, records } = await fixture;
    const duplicated = await verifyBytes(
      await editLines(bytes, (lines) => [...lines.slice(0, 3), lines[2] ?? "", ...lines.slice(3)]),
    );
    expect(duplicated.problems.find((p) => p.check === "chain-seq")?.message).toMatch(
      /duplicated or out of order/,
    );
    const reordered = await verifyBytes(
      await editLines(bytes, ([a, b, c, ...rest]) =>
        [a, c, b, ...rest].filter((l) => l !== undefined),
      ),
    );
    expect(reordered.problems.filter((p) => p.check === "chain-seq").length).toBeGreaterThan(0);

    // An intruder signs a record of its own and slips it in at seq 4.
    const intruder = LocalSigner.generate();
    const third = records[2];
    if (!third) throw new Error("no record");
    const forged = buildRecord({
      event: sampleEvent({ id: "forged", subject: { ...sampleEvent().subject, releaseId: "r-1" } }),
      head: {
        seq: 3,
        digest: (await import("../../lib/core/records/index.ts")).recordDigest(third.record),
      },
      receivedAt: new Date(),
      sourceAccount: "999999999999",
      source: "evil",
    });
    const signed = await signRecord(forged.record, intruder, new Date(), forged.digest);
    const { encodeRecordLine } = await import("../../lib/core/pack/lines.ts");
    const inserted = await verifyBytes(
      await editLines(bytes, (lines) => [
        ...lines.slice(0, 3),
        encodeRecordLine(signed).trimEnd(),
        ...lines.slice(3),
      ]),
    );
    expect(checksOf(inserted)).toEqual(
      new Set(["record-signature", "chain-seq", "key-id", "file-digest", "stream-count", "counts"]),
    );
  });

  it("names swapped signatures", async () => {
    const { bytes } = await fixture;
    const tampered = await editLines(bytes, (lines) => {
      const [a, b, ...rest] = lines;
      if (!a || !b) throw new Error("too few lines");
      const split = (line: string) => line.lastIndexOf(',"signature":{');
      return [
        a.slice(0, split(a)) + b.slice(split(b)),
        b.slice(0, split(b)) + a.slice(split(a)),
        ...rest,
      ];
    });
    const report = await verifyBytes(tampered);
    expect(report.problems.filter((p) => p.check === "record-signature").map((p) => p.seq)).toEqual(
      [1, 2],
    );
  });

  it("refuses a pack re-signed by another key when a key is pinned, naming both", async () => {
    // Prepare: the same evidence, re-signed end to end by another key
    const other = LocalSigner.generate();
    const records = await signedRelease("r-1", 4, other);
    const { bytes } = await packBytes(records, { signer: other });
    // Act
    const unpinned = await verifyBytes(bytes);
    const pinned = await verifyBytes(bytes, { ...inline, trustedKey: testSigner.publicKeySpki });
    // Assess
    expect(unpinned.valid).toBe(true);
    expect(unpinned.key.pinned).toBe(false);
    expect(pinned.valid).toBe(false);
    const untrusted = pinned.problems.find((p) => p.check === "key-untrusted");
    expect(untrusted?.expected).toBe(keyFingerprint(testSigner.publicKeySpki));
    expect(untrusted?.found).toBe(keyFingerprint(other.publicKeySpki));
    expect(untrusted?.message).toContain(keyFingerprint(other.publicKeySpki));
    expect(checksOf(pinned)).toEqual(
      new Set(["key-untrusted", "record-signature", "manifest-signature"]),
    );
  });

  it("names a missing manifest, a missing signature and a missing file", async () => {
    const { bytes } = await fixture;
    const without = (path: string) =>
      editPack(bytes, (entries) => entries.filter((entry) => entry.path !== path));
    expect(checksOf(await verifyBytes(await without("manifest.json")))).toEqual(
      new Set(["manifest-missing"]),
    );
    expect(checksOf(await verifyBytes(await without("manifest.sig.json")))).toEqual(
      new Set(["manifest-signature-missing"]),
    );
    const noKey = await without("public-key.pem");
    expect(checksOf(await verifyBytes(noKey))).toEqual(
      new Set(["entry-order", "public-key", "signatures-unchecked", "file-missing"]),
    );
    const pinned = await verifyBytes(noKey, { ...inline, trustedKey: testSigner.publicKeySpki });
    expect(checksOf(pinned)).toEqual(new Set(["entry-order", "public-key", "file-missing"]));
    const noReport = await verifyBytes(await without("report.html"));
    expect(noReport.problems).toEqual([
      expect.objectContaining({ check: "file-missing", file: "report.html" }),
    ]);
    const noChunk = await verifyBytes(await without("records/000002.jsonl"));
    expect(checksOf(noChunk)).toEqual(
      new Set(["entry-order", "chain-seq", "file-missing", "stream-count", "counts"]),
    );
  });

  it("names a truncated archive", async () => {
    const { bytes } = await fixture;
    const report = await verifyBytes(bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expect(report.valid).toBe(false);
    expect(report.problems[0]).toMatchObject({ check: "archive" });
    expect(report.problems[0]?.message).toMatch(/cut short/);
  });

  it("names entries out of order and entries the manifest does not list", async () => {
    const { bytes } = await fixture;
    const moved = await editPack(bytes, (entries) => {
      const manifest = entries.filter((e) => e.path === "manifest.json");
      return [...manifest, ...entries.filter((e) => e.path !== "manifest.json")];
    });
    expect(checksOf(await verifyBytes(moved))).toEqual(new Set(["entry-order"]));
    const added = await editPack(bytes, (entries) => [
      ...entries.slice(0, -2),
      { path: "extra.txt", content: Buffer.from("unsigned") },
      ...entries.slice(-2),
    ]);
    expect(checksOf(await verifyBytes(added))).toEqual(new Set(["file-unlisted"]));
  });

  it("keeps a bounded number of problems per check and counts the rest", async () => {
    const other = LocalSigner.generate();
    const { bytes } = await packBytes(await signedRelease("r-1", 8, other), { signer: other });
    const report = await verifyBytes(bytes, {
      ...inline,
      trustedKey: testSigner.publicKeySpki,
      maxProblemsPerCheck: 3,
    });
    expect(report.problemCounts["record-signature"]).toBe(8);
    expect(report.problems.filter((p) => p.check === "record-signature")).toHaveLength(3);
    expect(report.problemsOmitted).toBe(5);
    expect(report.problemCount).toBe(report.problems.length + 5);
  });

  it("names an oversized line and a records file over the limit, and reads on", async () => {
    const { bytes } = await fixture;
    const huge = await editLines(bytes, (lines) => [
      lines[0] ?? "",
      "x".repeat(17 * 1024 * 1024),
      ...lines.slice(1),
    ]);
    const report = await verifyBytes(huge, { ...inline, batchBytes: 64 * 1024 });
    expect(report.problems.find((p) => p.check === "record-parse")).toMatchObject({
      file: "records/000001.jsonl",
      line: 2,
    });
    expect(report.problems.find((p) => p.check === "record-parse")?.message).toMatch(/longer than/);
    expect(report.problems.some((p) => p.check === "chain-seq")).toBe(false);
    const crowded = await editPack(bytes, (entries) =>
      entries.map((entry) =>
        entry.path === "report.html"
          ? entry
          : entry.path === "records/000003.jsonl"
            ? { path: entry.path, content: Buffer.from("{}\n".repeat(10_001)) }
            : entry,
      ),
    );
    const counted = await verifyBytes(crowded, { ...inline, maxProblemsPerCheck: 1 });
    expect(counted.problems.find((p) => p.check === "chunk-size")).toMatchObject({
      file: "records/000003.jsonl",
      found: "10001",
    });
  });

  it("throws only when the bytes are not a pack at all", async () => {
    await expect(verifyBytes(Buffer.from("just text"))).rejects.toBeInstanceOf(PackReadError);
  });
});
