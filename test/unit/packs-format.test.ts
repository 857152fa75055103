import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { canonicalBytes, canonicalize } from "../../lib/core/canonical/index.ts";
import { sha256Digest } from "../../lib/core/digest.ts";
import {
  type ArchiveLockEntry,
  archiveLocksPath,
  PACK_EXTENSIONS,
} from "../../lib/core/pack/extensions.ts";
import type { PackManifest, PackSignature } from "../../lib/core/pack/format.ts";
import { type PackFile, PackWriteError, PackWriter } from "../../lib/core/pack/writer.ts";
import { recordDigest } from "../../lib/core/records/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import { manifestStatementBytes } from "../../lib/core/statement/index.ts";
import { verifyPack } from "../../lib/core/verify/verifier.ts";
import {
  editPack,
  pieces,
  type RawEntry,
  signedRelease,
  steppingClock,
  testSigner,
  unpack,
} from "../helpers/packs.ts";

const WINDOW = { kind: "window" as const, value: "2025-03-01T00:00:00Z/2025-03-02T00:00:00Z" };

async function write(
  records: readonly SignedRecord[],
  options: { files?: readonly PackFile[]; extensions?: readonly string[] } = {},
): Promise<Buffer> {
  const writer = new PackWriter({
    publicKey: testSigner.publicKeySpki,
    signer: testSigner,
    scope: WINDOW,
    generator: { name: "evidence-plane", version: "0.1.0", identity: "test" },
    clock: steppingClock(),
    packId: "pack-segment-1",
    ...(options.files ? { files: options.files } : {}),
    ...(options.extensions ? { extensions: options.extensions } : {}),
  });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  await writer.write(records, sink);
  return Buffer.concat(chunks);
}

const verify = (bytes: Uint8Array) =>
  verifyPack(pieces(bytes), { trustedKey: testSigner.publicKeySpki, workers: 0 });

/** Changes the manifest and signs it again with the pack's own key, as a forger with the key could. */
function resign(entries: RawEntry[], change: (m: Record<string, unknown>) => void): RawEntry[] {
  const manifestEntry = entries.find((e) => e.path === "manifest.json") as RawEntry;
  const manifest = JSON.parse(manifestEntry.content.toString("utf8")) as Record<string, unknown>;
  change(manifest);
  const bytes = canonicalBytes(manifest as never);
  const signature = JSON.parse(
    (entries.find((e) => e.path === "manifest.sig.json") as RawEntry).content.toString("utf8"),
  ) as PackSignature;
  const message = manifestStatementBytes({
    digest: sha256Digest(bytes),
    packId: String(manifest.packId),
    time: signature.signature.signedAt,
    keyId: signature.signature.keyId,
  });
  const signed = {
    ...signature,
    signature: { ...signature.signature, value: testSigner.signSync(message).toString("base64") },
  };
  return entries.map((e) =>
    e.path === "manifest.json"
      ? { path: e.path, content: bytes }
      : e.path === "manifest.sig.json"
        ? { path: e.path, content: canonicalBytes(signed as never) }
        : e,
  );
}

function lockLines(records: readonly SignedRecord[]): string {
  return records
    .map((r) => {
      const entry: ArchiveLockEntry = {
        stream: r.record.stream,
        seq: r.record.seq,
        key: `records/00/${r.record.stream}/${String(r.record.seq).padStart(12, "0")}.json`,
        archived: true,
        versions: 1,
        versionId: `v${r.record.seq}`,
        lockMode: "COMPLIANCE",
        retainUntil: "2032-03-01T00:00:00.000Z",
        legalHold: false,
        copy: "identical",
      };
      return `${canonicalize(entry)}\n`;
    })
    .join("");
}

describe("segments (a stream from after seq 1)", () => {
  it("names the digest the segment starts from, and verifies", async () => {
    // Prepare: records 4..8 of a release, as a window pack holds them
    const all = await signedRelease("r-segment", 8);
    const segment = all.slice(3);
    // Act
    const bytes = await write(segment, { extensions: [PACK_EXTENSIONS.segments] });
    // Assess
    const report = await verify(bytes);
    expect(report.problems).toEqual([]);
    const unpacked = await unpack(bytes);
    const parsed = JSON.parse(
      String(unpacked.find((e) => e.path === "manifest.json")?.content),
    ) as PackManifest;
    expect(parsed.streams[0]).toMatchObject({
      firstSeq: 4,
      headSeq: 8,
      firstPrev: recordDigest((all[2] as SignedRecord).record),
    });
    expect(parsed.extensions).toEqual([PACK_EXTENSIONS.segments]);
  });

  it("fails when the signed start is not the prev of the first record", async () => {
    const segment = (await signedRelease("r-segment", 8)).slice(3);
    const bytes = await write(segment, { extensions: [PACK_EXTENSIONS.segments] });
    const forged = await editPack(bytes, (entries) =>
      resign(entries, (m) => {
        const streams = m.streams as Array<Record<string, unknown>>;
        (streams[0] as Record<string, unknown>).firstPrev = `sha256:${"1".repeat(64)}`;
      }),
    );
    const report = await verify(forged);
    expect(report.problems.map((p) => p.check)).toEqual(["stream-start"]);
    expect(report.problems[0]?.message).toMatch(/another record than the signed start/);
  });

  it("fails when the manifest declares segments but a segment names no start", async () => {
    const segment = (await signedRelease("r-segment", 8)).slice(3);
    const bytes = await write(segment, { extensions: [PACK_EXTENSIONS.segments] });
    const forged = await editPack(bytes, (entries) =>
      resign(entries, (m) => {
        const streams = m.streams as Array<Record<string, unknown>>;
        delete (streams[0] as Record<string, unknown>).firstPrev;
      }),
    );
    const report = await verify(forged);
    expect(report.problems.map((p) => p.check)).toEqual(["stream-start"]);
    expect(report.problems[0]?.message).toMatch(/names no firstPrev/);
  });
});

describe("streamed further files", () => {
  it("writes content of a declared size and lists its digest", async () => {
    const records = await signedRelease("r-stream", 3);
    const text = "x".repeat(70_000);
    const bytes = await write(records, {
      files: [
        {
          path: "big.txt",
          content: {
            bytes: 70_000,
            read: async function* () {
              for (let i = 0; i < 7; i++)
                yield Buffer.from(text.slice(i * 10_000, (i + 1) * 10_000));
            },
          },
        },
      ],
    });
    const report = await verify(bytes);
    expect(report.valid).toBe(true);
    const entries = await unpack(bytes);
    const manifest = JSON.parse(
      String(entries.find((e) => e.path === "manifest.json")?.content),
    ) as PackManifest;
    expect(manifest.files.find((f) => f.path === "big.txt")).toEqual({
      path: "big.txt",
      bytes: 70_000,
      sha256: sha256Digest(text),
    });
  });

  it("refuses content whose size is not the declared one", async () => {
    const records = await signedRelease("r-stream", 3);
    const error = await write(records, {
      files: [
        {
          path: "short.txt",
          content: {
            bytes: 10,
            read: async function* () {
              yield Buffer.from("12345");
            },
          },
        },
      ],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackWriteError);
    expect((error as PackWriteError).message).toMatch(
      /announced as 10 bytes but its content has 5/,
    );
  });
});

describe("archive-locks files", () => {
  const declared = [PACK_EXTENSIONS.archiveLocks];

  it("verify when they name every record, in order", async () => {
    const records = await signedRelease("r-locks", 5);
    const bytes = await write(records, {
      files: [{ path: archiveLocksPath(1), content: lockLines(records) }],
      extensions: declared,
    });
    expect((await verify(bytes)).problems).toEqual([]);
  });

  it("fail when an entry is missing, out of order or malformed", async () => {
    const records = await signedRelease("r-locks", 5);
    const short = await write(records, {
      files: [{ path: archiveLocksPath(1), content: lockLines(records.slice(0, 4)) }],
      extensions: declared,
    });
    const shortReport = await verify(short);
    expect(shortReport.problems.map((p) => [p.check, p.stream, p.seq])).toEqual([
      ["archive-locks", "release/r-locks", 5],
    ]);

    const swapped = [records[0], records[2], records[1], records[3], records[4]] as SignedRecord[];
    const disordered = await write(records, {
      files: [{ path: archiveLocksPath(1), content: lockLines(swapped) }],
      extensions: declared,
    });
    expect((await verify(disordered)).problems.some((p) => p.check === "archive-locks")).toBe(true);

    const malformed = await write(records, {
      files: [
        {
          path: archiveLocksPath(1),
          content: lockLines(records).replace('"lockMode":"COMPLIANCE"', '"lockMode":"LOOSE"'),
        },
      ],
      extensions: declared,
    });
    const malformedReport = await verify(malformed);
    expect(malformedReport.problems[0]).toMatchObject({
      check: "archive-locks",
      file: archiveLocksPath(1),
      line: 1,
    });
    expect(malformedReport.problems[0]?.message).toMatch(/lockMode/);
  });

  it("fail when the manifest declares them and the pack has none", async () => {
    const records = await signedRelease("r-locks", 2);
    const bytes = await write(records, { extensions: declared });
    const report = await verify(bytes);
    expect(report.problems.map((p) => p.check)).toEqual(["archive-locks"]);
  });
});
