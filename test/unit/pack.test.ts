import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import { canonicalize, strictParse } from "../../lib/core/canonical/index.ts";
import { sha256Digest } from "../../lib/core/digest.ts";
import {
  chunkIndex,
  chunkPath,
  isExtraFilePath,
  MANIFEST_PATH,
  scopeError,
} from "../../lib/core/pack/format.ts";
import {
  encodeRecordLine,
  eventBytesOfRecord,
  recordBytesOfLine,
} from "../../lib/core/pack/lines.ts";
import {
  PackReadError,
  readLines,
  readPackEntries,
  readPackRecords,
} from "../../lib/core/pack/reader.ts";
import { PackWriteError, PackWriter } from "../../lib/core/pack/writer.ts";
import { recordDigest } from "../../lib/core/records/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import { packBytes, pieces, signedRelease, testSigner } from "../helpers/packs.ts";

async function entriesOf(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const entry of readPackEntries(pieces(bytes))) {
    const parts: Buffer[] = [];
    for await (const chunk of entry.content) parts.push(chunk);
    out.set(entry.path, Buffer.concat(parts));
  }
  return out;
}

async function readError(bytes: Uint8Array): Promise<PackReadError> {
  try {
    await entriesOf(bytes);
  } catch (error) {
    if (error instanceof PackReadError) return error;
    throw error;
  }
  throw new Error("the archive was read without error");
}

async function writeError(
  records: readonly SignedRecord[],
  options?: Parameters<typeof packBytes>[1],
): Promise<PackWriteError> {
  try {
    await packBytes(records, options);
  } catch (error) {
    if (error instanceof PackWriteError) return error;
    throw error;
  }
  throw new Error("the pack was written");
}

describe("record lines", () => {
  it("hold the record's canonical bytes as an exact substring", async () => {
    const [signed] = await signedRelease("r-1", 1);
    if (!signed) throw new Error("no record");
    const line = Buffer.from(encodeRecordLine(signed));
    expect(line.toString()).toBe(`${canonicalize(signed)}\n`);
    const recordBytes = recordBytesOfLine(line.subarray(0, -1));
    expect(recordBytes?.toString()).toBe(canonicalize(signed.record));
    expect(sha256Digest(recordBytes ?? "")).toBe(recordDigest(signed.record));
    expect(eventBytesOfRecord(recordBytes ?? Buffer.alloc(0))?.toString()).toBe(
      canonicalize(signed.record.event),
    );
  });

  it("find the record even when event data imitates the markers (property)", async () => {
    const [signed] = await signedRelease("r-1", 1);
    if (!signed) throw new Error("no record");
    const tricky = fc.oneof(
      fc.constantFrom(',"signature":{', ',"eventDigest":"sha256:', '"}},"signature":{"a":"'),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), tricky), (data) => {
        const record = { ...signed.record, event: { ...signed.record.event, data } };
        const line = Buffer.from(encodeRecordLine({ record, signature: signed.signature }));
        const recordBytes = recordBytesOfLine(line.subarray(0, -1)) ?? Buffer.alloc(0);
        expect(recordBytes.toString()).toBe(canonicalize(record));
        expect(eventBytesOfRecord(recordBytes)?.toString()).toBe(canonicalize(record.event));
      }),
    );
  });

  it("refuse a line that does not start with the record", () => {
    expect(recordBytesOfLine(Buffer.from('{"signature":{},"record":{}}'))).toBeUndefined();
    expect(recordBytesOfLine(Buffer.from("{"))).toBeUndefined();
    expect(eventBytesOfRecord(Buffer.from('{"prev":1}'))).toBeUndefined();
  });
});

describe("format names", () => {
  it("numbers records files from 1 with six digits", () => {
    expect(chunkPath(1)).toBe("records/000001.jsonl");
    expect(chunkIndex("records/000042.jsonl")).toBe(42);
    expect(chunkIndex("records/42.jsonl")).toBeUndefined();
    expect(chunkIndex("report.html")).toBeUndefined();
  });

  it.each([
    ["report.html", true],
    ["object-lock/states.jsonl", true],
    ["../escape", false],
    ["a/../b", false],
    ["/absolute", false],
    [MANIFEST_PATH, false],
    ["records/extra.txt", false],
    ["with space", false],
  ])("%s may be a further file: %s", (path, allowed) => {
    expect(isExtraFilePath(path)).toBe(allowed);
  });

  it("checks scope values by kind", () => {
    expect(scopeError({ kind: "release", value: "r-1" })).toBeUndefined();
    expect(scopeError({ kind: "artifact", value: "sha256:abc" })).toMatch(/sha256/);
    expect(
      scopeError({ kind: "window", value: "2025-01-01T00:00:00Z/2025-02-01T00:00:00Z" }),
    ).toBeUndefined();
    expect(
      scopeError({ kind: "window", value: "2025-02-01T00:00:00Z/2025-01-01T00:00:00Z" }),
    ).toMatch(/start before end/);
    expect(scopeError({ kind: "team", value: "x" })).toMatch(/not one of/);
  });
});

describe("PackWriter", () => {
  it("writes entries in the defined order, with a manifest covering every other entry", async () => {
    // Prepare
    const records = await signedRelease("r-1", 25);
    // Act
    const { bytes, written } = await packBytes(records, {
      maxRecordsPerChunk: 10,
      files: [{ path: "report.html", content: "<p>ok</p>" }],
    });
    // Assess
    const entries = await entriesOf(bytes);
    expect([...entries.keys()]).toEqual([
      "public-key.pem",
      "records/000001.jsonl",
      "records/000002.jsonl",
      "records/000003.jsonl",
      "report.html",
      "manifest.json",
      "manifest.sig.json",
    ]);
    const manifestBytes = entries.get("manifest.json") ?? Buffer.alloc(0);
    expect(manifestBytes.toString()).toBe(canonicalize(written.manifest));
    expect(sha256Digest(manifestBytes)).toBe(written.manifestDigest);
    const manifest = written.manifest;
    expect(manifest.files.map((f) => f.path)).toEqual([...entries.keys()].slice(0, 5));
    for (const file of manifest.files) {
      const content = entries.get(file.path) ?? Buffer.alloc(0);
      expect(file.bytes).toBe(content.length);
      expect(file.sha256).toBe(sha256Digest(content));
    }
    const last = records.at(-1);
    expect(manifest.streams).toEqual([
      {
        stream: "release/r-1",
        firstSeq: 1,
        headSeq: 25,
        headDigest: last ? recordDigest(last.record) : "",
        records: 25,
      },
    ]);
    expect(manifest.counts).toEqual({ records: 25, streams: 1, files: 5 });
    expect(manifest.key.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const signature = strictParse(entries.get("manifest.sig.json") ?? "");
    expect(signature).toMatchObject({
      statement: "evidence-pack-manifest/v1",
      signature: { keyId: testSigner.keyId },
    });
  });

  it("gives back exactly the records it was given", async () => {
    const records = [...(await signedRelease("r-1", 12)), ...(await signedRelease("r-2", 3))];
    const { bytes } = await packBytes(records, { maxRecordsPerChunk: 5 });
    const read: SignedRecord[] = [];
    for await (const record of readPackRecords(pieces(bytes, 777))) read.push(record);
    expect(read).toEqual(records);
  });

  it("can be listed and extracted by the system tar", async () => {
    const { bytes } = await packBytes(await signedRelease("r-1", 3));
    const dir = mkdtempSync(join(tmpdir(), "pack-"));
    writeFileSync(join(dir, "p.tar.gz"), bytes);
    const listing = execFileSync("tar", ["-tzf", join(dir, "p.tar.gz")], { encoding: "utf8" });
    expect(listing.trim().split("\n")).toEqual([
      "public-key.pem",
      "records/000001.jsonl",
      "manifest.json",
      "manifest.sig.json",
    ]);
  });

  it("refuses records of a stream split in two groups", async () => {
    const a = await signedRelease("r-1", 2);
    const b = await signedRelease("r-2", 1);
    const error = await writeError([a[0], b[0], a[1]].filter((r) => r !== undefined));
    expect(error.code).toBe("stream-split");
    expect(error.message).toMatch(/release\/r-1 arrived in two groups/);
  });

  it("refuses a gap, a reordering and a broken link", async () => {
    const records = await signedRelease("r-1", 4);
    const [one, two, three, four] = records;
    if (!one || !two || !three || !four) throw new Error("missing records");
    expect((await writeError([one, two, four])).code).toBe("records-order");
    expect((await writeError([one, three, two, four])).code).toBe("records-order");
    const altered = { ...three, record: { ...three.record, prev: one.record.prev } };
    expect((await writeError([one, two, altered, four])).code).toBe("chain-broken");
  });

  it("refuses records of another key and a signer that does not match the public key", async () => {
    const other = LocalSigner.generate();
    const records = await signedRelease("r-1", 2, other);
    expect((await writeError(records)).code).toBe("key-mismatch");
    const mine = await signedRelease("r-1", 1);
    const writer = new PackWriter({
      publicKey: testSigner.publicKeySpki,
      signer: { keyId: testSigner.keyId, sign: (message) => other.sign(message) },
      scope: { kind: "release", value: "r-1" },
      generator: { name: "evidence-plane", version: "0.1.0", identity: "test" },
    });
    await expect(writer.write(mine, new PassThrough().resume())).rejects.toThrow(
      /does not hold the private half/,
    );
  });

  it("refuses a release pack without its release stream from seq 1", async () => {
    const records = await signedRelease("r-1", 3);
    expect(
      (await writeError(records, { scope: { kind: "release", value: "r-9" } })).message,
    ).toMatch(/release\/r-9/);
    expect((await writeError(records.slice(1))).message).toMatch(/starts at seq 2/);
    const window = { kind: "window", value: "2025-01-01T00:00:00Z/2026-01-01T00:00:00Z" } as const;
    await expect(packBytes(records.slice(1), { scope: window })).resolves.toBeDefined();
  });

  it("refuses further files that would shadow the format's own", async () => {
    const records = await signedRelease("r-1", 1);
    const error = await writeError(records, { files: [{ path: "manifest.json", content: "{}" }] });
    expect(error.code).toBe("file");
  });
});

describe("pack reader", () => {
  it("says when the bytes are not a gzip or not a tar", async () => {
    expect((await readError(Buffer.from("PK\u0003\u0004 zip"))).code).toBe("not-gzip");
    expect((await readError(Buffer.alloc(0))).code).toBe("not-gzip");
    const { gzipSync } = await import("node:zlib");
    expect((await readError(gzipSync(Buffer.alloc(1024, 7)))).code).toBe("not-tar");
  });

  it("says when the archive was cut short, wherever it was cut", async () => {
    const { bytes } = await packBytes(await signedRelease("r-1", 30), { maxRecordsPerChunk: 10 });
    for (const keep of [20, Math.floor(bytes.length / 2), bytes.length - 1]) {
      expect((await readError(bytes.subarray(0, keep))).code).toBe("truncated");
    }
  });

  it("splits lines across chunk boundaries", async () => {
    const text = Buffer.from("a\nbb\n\nccc\ndd");
    const lines: string[] = [];
    for await (const line of readLines(pieces(text, 3))) lines.push(line.toString());
    expect(lines).toEqual(["a", "bb", "", "ccc", "dd"]);
  });
});
