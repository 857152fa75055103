import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import type { PackScope } from "../../lib/core/pack/format.ts";
import { readPackEntries } from "../../lib/core/pack/reader.ts";
import { END_OF_ARCHIVE, fileHeader, padding } from "../../lib/core/pack/tar.ts";
import { type PackFile, PackWriter, type WrittenPack } from "../../lib/core/pack/writer.ts";
import { buildRecord, type StreamHead, signRecord } from "../../lib/core/records/index.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import { sampleEvent } from "./events.ts";

/** One signer per test run: generating keys is the slow part of small tests. */
export const testSigner: LocalSigner = LocalSigner.generate();

const baseTime = Date.parse("2025-03-01T12:00:00.000Z");

/** A fixed clock that advances one second per call, so packs are reproducible. */
export function steppingClock(start = baseTime): () => Date {
  let now = start;
  return () => {
    now += 1000;
    return new Date(now);
  };
}

/**
 * `count` signed records of release `releaseId` (stream `release/<releaseId>`), seq 1..count,
 * each a distinct valid event.
 */
export async function signedRelease(
  releaseId: string,
  count: number,
  signer: LocalSigner = testSigner,
): Promise<SignedRecord[]> {
  const out: SignedRecord[] = [];
  let head: StreamHead | undefined;
  for (let i = 1; i <= count; i++) {
    const event = sampleEvent({
      id: `01J${releaseId
        .toUpperCase()
        .replace(/[^0-9A-Z]/g, "0")
        .padEnd(8, "0")
        .slice(0, 8)}${String(i).padStart(15, "0")}`,
      subject: { ...sampleEvent().subject, releaseId },
    });
    const receivedAt = new Date(baseTime + i * 1000);
    const { record, digest } = buildRecord({
      event,
      head,
      receivedAt,
      sourceAccount: "111122223333",
      source: "evidence.ci",
    });
    out.push(await signRecord(record, signer, receivedAt, digest));
    head = { seq: record.seq, digest };
  }
  return out;
}

export interface TestPackOptions {
  readonly scope?: PackScope;
  readonly signer?: LocalSigner;
  readonly files?: readonly PackFile[];
  readonly maxRecordsPerChunk?: number;
}

/** Writes a pack of `records` into memory and returns its bytes and what was written. */
export async function packBytes(
  records: readonly SignedRecord[],
  options: TestPackOptions = {},
): Promise<{ bytes: Buffer; written: WrittenPack }> {
  const signer = options.signer ?? testSigner;
  const first = records[0]?.record.stream ?? "release/r-1";
  const writer = new PackWriter({
    publicKey: signer.publicKeySpki,
    signer,
    scope: options.scope ?? { kind: "release", value: first.replace(/^release\//, "") },
    generator: { name: "evidence-plane", version: "0.1.0", identity: "test" },
    clock: steppingClock(),
    packId: "pack-test-1",
    ...(options.files ? { files: options.files } : {}),
    ...(options.maxRecordsPerChunk ? { maxRecordsPerChunk: options.maxRecordsPerChunk } : {}),
  });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  const written = await writer.write(records, sink);
  return { bytes: Buffer.concat(chunks), written };
}

/** An async iterable over `bytes` in pieces of `size`, as a file stream would give them. */
export async function* pieces(bytes: Uint8Array, size = 4096): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.byteLength; i += size) {
    yield Buffer.from(bytes.subarray(i, i + size));
  }
}

/** One archive entry held in memory, for tests that take a pack apart. */
export interface RawEntry {
  readonly path: string;
  readonly content: Buffer;
}

/** Every entry of a pack, in archive order. */
export async function unpack(bytes: Uint8Array): Promise<RawEntry[]> {
  const entries: RawEntry[] = [];
  for await (const entry of readPackEntries(pieces(bytes))) {
    const parts: Buffer[] = [];
    for await (const chunk of entry.content) parts.push(chunk);
    entries.push({ path: entry.path, content: Buffer.concat(parts) });
  }
  return entries;
}

/** A gzip-compressed tar of `entries`, in the given order, with nothing re-signed. */
export function repack(entries: readonly RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  const mtime = new Date(baseTime);
  for (const { path, content } of entries) {
    blocks.push(fileHeader(path, content.length, mtime), content, padding(content.length));
  }
  blocks.push(END_OF_ARCHIVE);
  return gzipSync(Buffer.concat(blocks));
}

/** Takes a pack apart, lets `edit` change its entries, and puts it together again unsigned. */
export async function editPack(
  bytes: Uint8Array,
  edit: (entries: RawEntry[]) => RawEntry[],
): Promise<Buffer> {
  return repack(edit(await unpack(bytes)));
}

/** Changes the lines of one records file (`records/000001.jsonl` unless named). */
export async function editLines(
  bytes: Uint8Array,
  edit: (lines: string[]) => string[],
  path = "records/000001.jsonl",
): Promise<Buffer> {
  return editPack(bytes, (entries) =>
    entries.map((entry) => {
      if (entry.path !== path) return entry;
      const lines = entry.content.toString("utf8").split("\n").slice(0, -1);
      return {
        path,
        content: Buffer.from(
          edit(lines)
            .map((line) => `${line}\n`)
            .join(""),
          "utf8",
        ),
      };
    }),
  );
}
