import { createHash, verify } from "node:crypto";
import { availableParallelism } from "node:os";
import { CanonicalInputError, strictParse } from "../canonical/index.ts";
import { type Digest, sha256Digest } from "../digest.ts";
import { archiveLocksIndex, PACK_EXTENSIONS } from "../pack/extensions.ts";
import {
  chunkIndex,
  isExtraFilePath,
  MANIFEST_PATH,
  MANIFEST_SIGNATURE_PATH,
  MAX_CHUNK_BYTES,
  MAX_METADATA_BYTES,
  MAX_RECORDS_PER_CHUNK,
  manifestError,
  PACK_FORMAT_VERSION,
  type PackManifest,
  type PackSignature,
  PUBLIC_KEY_PATH,
  packSignatureError,
  scopeError,
} from "../pack/format.ts";
import { type PackEntry, PackReadError, readPackEntries } from "../pack/reader.ts";
import { checkLink } from "../records/chain.ts";
import { releaseStream } from "../records/stream.ts";
import { keyFingerprint, publicKeyFromSpki, readSpki } from "../signing/keys.ts";
import { manifestStatementBytes } from "../statement/index.ts";
import { ArchiveLocksCheck } from "./archive-locks.ts";
import type { BatchResult, BatchSegment } from "./batch.ts";
import { type BatchRunner, inlineRunner, WorkerPool } from "./pool.ts";
import { type Check, type Problem, ProblemLog } from "./problems.ts";

export interface VerifyOptions {
  /**
   * The public key to trust (DER SPKI). When given, only this key is accepted; otherwise the
   * key inside the pack is used and the report says it was not pinned.
   */
  readonly trustedKey?: Uint8Array;
  /** Worker threads that check records; 0 checks them on the calling thread. @default os.availableParallelism() */
  readonly workers?: number;
  /** Problems kept per check (the rest are counted); 0 keeps all. @default 1000 */
  readonly maxProblemsPerCheck?: number;
  /** Bytes of records handed to a worker at a time. @default 256 KiB */
  readonly batchBytes?: number;
  /** Called as records are checked. */
  readonly onProgress?: (progress: VerifyProgress) => void;
}

export interface VerifyProgress {
  /** Records checked so far. */
  readonly records: number;
  /** Uncompressed archive bytes read so far. */
  readonly bytes: number;
}

/** Which key the signatures were checked against. */
export interface KeyReport {
  /** True when the caller pinned the key; false when the pack's own key was trusted. */
  readonly pinned: boolean;
  /** Fingerprint (SHA-256 of DER SPKI, hex) of the key signatures were checked against. */
  readonly fingerprint?: string;
  /** Fingerprint of the key in public-key.pem. */
  readonly packFingerprint?: string;
  /** Key id the manifest names. */
  readonly keyId?: string;
}

/** The outcome of verifying a pack: valid only when no check found a problem. */
export interface VerifyReport {
  readonly valid: boolean;
  /** Lines of records files checked. */
  readonly records: number;
  readonly streams: number;
  /** Archive entries read. */
  readonly files: number;
  /** What the manifest says about the pack, when it could be read. */
  readonly pack?: Pick<
    PackManifest,
    "formatVersion" | "packId" | "scope" | "generatedAt" | "generator"
  >;
  readonly key: KeyReport;
  /** Problems found, in the order found (at most maxProblemsPerCheck of each check). */
  readonly problems: readonly Problem[];
  /** Every problem found, including those not kept. */
  readonly problemCount: number;
  readonly problemsOmitted: number;
  readonly problemCounts: Partial<Record<Check, number>>;
}

/**
 * Verifies an evidence pack offline, streaming: every file digest, every record's digest,
 * signature, event schema and stream, every hash link, seq contiguity up to each stream's
 * signed head, and the manifest signature. Reports every problem, not only the first.
 * Throws {@link PackReadError} only when the bytes are not a pack at all (not gzip, not tar);
 * a pack cut short or damaged part way is reported as an `archive` problem.
 *
 * @example
 * const report = await verifyPack(createReadStream("r-42.evidence.tar.gz"), { trustedKey });
 * if (!report.valid) for (const p of report.problems) console.log(p.check, p.message);
 */
export async function verifyPack(
  source: AsyncIterable<Uint8Array>,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const verification = new Verification(options);
  try {
    await verification.read(source);
  } finally {
    await verification.close();
  }
  return verification.finish();
}

interface StreamState {
  readonly firstSeq: number;
  /** The prev of the stream's first record in the pack. */
  readonly firstPrev: string;
  headSeq: number;
  headDigest: Digest;
  records: number;
}

interface FileDigest {
  readonly bytes: number;
  readonly sha256: Digest;
}

interface QueuedBatch {
  readonly file: string;
  readonly result: Promise<BatchResult>;
}

const MAX_KEY_BYTES = 64 * 1024;
const MAX_KEY_IDS = 64;
const RANK = { key: 0, records: 1, extra: 2, manifest: 3, signature: 4 } as const;

class Verification {
  private readonly log: ProblemLog;
  private readonly pinnedSpki: Buffer | undefined;
  private readonly workers: number;
  private readonly batchBytes: number;
  private readonly onProgress: ((progress: VerifyProgress) => void) | undefined;
  private packSpki: Buffer | undefined;
  private runner: BatchRunner | undefined;
  private readonly queue: QueuedBatch[] = [];
  private entries = 0;
  private rank = 0;
  private lastPath = "";
  private nextChunk = 1;
  private readonly seenPaths = new Set<string>();
  private readonly digests = new Map<string, FileDigest>();
  private manifestBytes: Buffer | undefined;
  private signatureBytes: Buffer | undefined;
  private readonly streams = new Map<string, StreamState>();
  private current: StreamState | undefined;
  private readonly fileLines = new Map<string, number>();
  private readonly keyIds = new Set<string>();
  private readonly locks = new ArchiveLocksCheck((problem) => this.add(problem));
  private records = 0;
  private bytesRead = 0;

  constructor(options: VerifyOptions) {
    this.log = new ProblemLog(options.maxProblemsPerCheck ?? 1000);
    this.pinnedSpki = options.trustedKey ? Buffer.from(options.trustedKey) : undefined;
    if (this.pinnedSpki) publicKeyFromSpki(this.pinnedSpki);
    this.workers = options.workers ?? availableParallelism();
    this.batchBytes = options.batchBytes ?? 256 * 1024;
    this.onProgress = options.onProgress;
  }

  async read(source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const entry of readPackEntries(source)) await this.entry(entry);
    } catch (error) {
      const notAPack =
        error instanceof PackReadError &&
        this.entries === 0 &&
        (error.code === "not-gzip" || error.code === "not-tar");
      if (!(error instanceof PackReadError) || notAPack) throw error;
      this.log.add({ check: "archive", message: error.message });
    }
    while (this.queue.length > 0) await this.applyNext();
  }

  async close(): Promise<void> {
    await this.runner?.close();
  }

  private add(problem: Problem): void {
    this.log.add(problem);
  }

  private async entry(entry: PackEntry): Promise<void> {
    const { path } = entry;
    const index = this.entries++;
    if (entry.type !== "file") {
      this.add({
        check: "entry-type",
        file: path,
        message: `a ${entry.type} entry; packs hold regular files only`,
      });
      for await (const _ of entry.content);
      return;
    }
    const duplicate = this.seenPaths.has(path);
    this.seenPaths.add(path);
    this.checkOrder(path, index, duplicate);
    if (path === PUBLIC_KEY_PATH) {
      const bytes = await this.readWhole(entry, MAX_KEY_BYTES, true);
      if (bytes && !duplicate) this.readPackKey(bytes);
    } else if (path === MANIFEST_PATH) {
      const bytes = await this.readWhole(entry, MAX_METADATA_BYTES, false);
      if (!duplicate) this.manifestBytes = bytes;
    } else if (path === MANIFEST_SIGNATURE_PATH) {
      const bytes = await this.readWhole(entry, MAX_METADATA_BYTES, false);
      if (!duplicate) this.signatureBytes = bytes;
    } else if (chunkIndex(path) !== undefined && !duplicate) {
      await this.readRecords(entry);
    } else {
      const hash = createHash("sha256");
      let size = 0;
      const locks = archiveLocksIndex(path) !== undefined && !duplicate;
      if (locks) {
        // Entries are checked against every record's stream: apply the batches still queued.
        while (this.queue.length > 0) await this.applyNext();
        this.locks.startFile(path, () => this.seenStreams());
      }
      for await (const chunk of entry.content) {
        hash.update(chunk);
        size += chunk.length;
        this.bytesRead += chunk.length;
        if (locks) this.locks.feed(chunk);
      }
      if (locks) this.locks.endFile();
      if (!duplicate)
        this.digests.set(path, { bytes: size, sha256: `sha256:${hash.digest("hex")}` });
    }
  }

  private checkOrder(path: string, index: number, duplicate: boolean): void {
    const chunk = chunkIndex(path);
    let rank: number;
    if (path === PUBLIC_KEY_PATH) rank = RANK.key;
    else if (chunk !== undefined) rank = RANK.records;
    else if (path === MANIFEST_PATH) rank = RANK.manifest;
    else if (path === MANIFEST_SIGNATURE_PATH) rank = RANK.signature;
    else {
      rank = RANK.extra;
      if (!isExtraFilePath(path)) {
        this.add({ check: "entry-name", file: path, message: "not a path the pack format allows" });
      }
    }
    let message: string | undefined;
    if (duplicate) message = "the entry appears more than once; only the first is read";
    else if (index === 0 && rank !== RANK.key)
      message = `the first entry must be ${PUBLIC_KEY_PATH}`;
    else if (this.rank === RANK.signature)
      message = `${MANIFEST_SIGNATURE_PATH} must be the last entry`;
    else if (rank < this.rank)
      message = `the entry comes after ${this.lastPath}, against the format's order`;
    else if (chunk !== undefined && chunk !== this.nextChunk) {
      message = `records files are numbered from 1 without gaps; expected records/${String(this.nextChunk).padStart(6, "0")}.jsonl here`;
    }
    if (message) this.add({ check: "entry-order", file: path, message });
    if (chunk !== undefined) this.nextChunk = Math.max(this.nextChunk, chunk + 1);
    this.rank = Math.max(this.rank, rank);
    this.lastPath = path;
  }

  private async readWhole(
    entry: PackEntry,
    limit: number,
    listed: boolean,
  ): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of entry.content) {
      hash.update(chunk);
      size += chunk.length;
      this.bytesRead += chunk.length;
      if (size <= limit) parts.push(chunk);
    }
    if (listed && !this.digests.has(entry.path)) {
      this.digests.set(entry.path, { bytes: size, sha256: `sha256:${hash.digest("hex")}` });
    }
    if (size > limit) {
      this.add({
        check: "entry-size",
        file: entry.path,
        message: `${size} bytes, more than the ${limit} this file may have`,
      });
      return undefined;
    }
    return Buffer.concat(parts);
  }

  private readPackKey(bytes: Buffer): void {
    try {
      this.packSpki = readSpki(bytes);
    } catch (error) {
      this.add({ check: "public-key", file: PUBLIC_KEY_PATH, message: (error as Error).message });
    }
  }

  private startRunner(): BatchRunner {
    if (this.runner) return this.runner;
    const spki = this.pinnedSpki ?? this.packSpki;
    // A batch is at least batchBytes and at most one inflated chunk more.
    const bufferBytes = 2 * this.batchBytes;
    this.runner =
      this.workers === 0
        ? inlineRunner(spki, bufferBytes)
        : new WorkerPool(this.workers, spki, { bufferBytes, inFlight: this.inFlightLimit() });
    return this.runner;
  }

  private async readRecords(entry: PackEntry): Promise<void> {
    const runner = this.startRunner();
    const file = entry.path;
    const hash = createHash("sha256");
    let size = 0;
    let parts: Buffer[] = [];
    let pending = 0;
    let skipping = false;
    for await (const chunk of entry.content) {
      hash.update(chunk);
      size += chunk.length;
      this.bytesRead += chunk.length;
      let data = chunk;
      if (skipping) {
        const newline = data.indexOf(10);
        if (newline === -1) continue;
        skipping = false;
        data = data.subarray(newline + 1);
      }
      parts.push(data);
      pending += data.length;
      if (pending < this.batchBytes) continue;
      if (data.indexOf(10) === -1) {
        if (pending > MAX_CHUNK_BYTES) {
          // Check the whole lines before the oversized one, then skip to its end.
          const joined = join(parts, pending, runner);
          const cut = joined.lastIndexOf(10);
          if (cut !== -1)
            await this.submit(file, runner.run(joined.buffer as ArrayBuffer, cut + 1));
          this.enqueue(file, Promise.resolve(oversizedLine()));
          parts = [];
          pending = 0;
          skipping = true;
        }
        continue;
      }
      const joined = join(parts, pending, runner);
      const cut = joined.lastIndexOf(10);
      const tail = Buffer.from(joined.subarray(cut + 1));
      parts = tail.length > 0 ? [tail] : [];
      pending = tail.length;
      await this.submit(file, runner.run(joined.buffer as ArrayBuffer, cut + 1));
    }
    if (pending > 0 && !skipping) {
      await this.submit(
        file,
        runner.run(join(parts, pending, runner).buffer as ArrayBuffer, pending),
      );
    }
    this.digests.set(file, { bytes: size, sha256: `sha256:${hash.digest("hex")}` });
  }

  private enqueue(file: string, result: Promise<BatchResult>): void {
    result.catch(() => undefined);
    this.queue.push({ file, result });
  }

  private async submit(file: string, result: Promise<BatchResult>): Promise<void> {
    this.enqueue(file, result);
    while (this.queue.length > this.inFlightLimit()) await this.applyNext();
  }

  /** Batches outstanding at most: enough to keep every worker busy. */
  private inFlightLimit(): number {
    return Math.max(2, this.workers * 4);
  }

  private async applyNext(): Promise<void> {
    const next = this.queue.shift();
    if (!next) return;
    const result = await next.result;
    const { file } = next;
    const base = this.fileLines.get(file) ?? 0;
    for (const problem of result.problems) {
      this.add({ ...problem, file, line: base + (problem.line ?? 0) });
    }
    for (const segment of result.segments) this.link(file, base, segment);
    for (const keyId of result.keyIds) {
      if (this.keyIds.size < MAX_KEY_IDS) this.keyIds.add(keyId);
    }
    this.fileLines.set(file, base + result.lines);
    this.records += result.lines;
    this.onProgress?.({ records: this.records, bytes: this.bytesRead });
  }

  private link(file: string, base: number, segment: BatchSegment): void {
    const where = {
      file,
      line: base + segment.firstLine,
      stream: segment.stream,
      seq: segment.firstSeq,
    };
    const next = { seq: segment.firstSeq, prev: segment.firstPrev };
    const state = this.streams.get(segment.stream);
    if (state === undefined) {
      const finding = checkLink(undefined, next);
      if (finding) this.add({ ...where, ...finding });
      const created: StreamState = {
        firstSeq: segment.firstSeq,
        firstPrev: segment.firstPrev,
        headSeq: segment.lastSeq,
        headDigest: segment.lastDigest,
        records: segment.records,
      };
      this.streams.set(segment.stream, created);
      this.current = created;
      return;
    }
    if (state !== this.current) {
      this.add({
        check: "stream-split",
        ...where,
        message: `records of ${segment.stream} appear again after records of another stream`,
      });
    }
    const finding = checkLink({ seq: state.headSeq, digest: state.headDigest }, next);
    if (finding) this.add({ ...where, ...finding });
    state.headSeq = segment.lastSeq;
    state.headDigest = segment.lastDigest;
    state.records += segment.records;
    this.current = state;
  }

  finish(): VerifyReport {
    for (const [file, lines] of this.fileLines) {
      if (lines > MAX_RECORDS_PER_CHUNK) {
        this.add({
          check: "chunk-size",
          file,
          expected: `at most ${MAX_RECORDS_PER_CHUNK}`,
          found: String(lines),
          message: "the records file holds more records than the format allows",
        });
      }
    }
    if (!this.seenPaths.has(PUBLIC_KEY_PATH)) {
      this.add({
        check: "public-key",
        file: PUBLIC_KEY_PATH,
        message: "the pack has no public key; it cannot be checked without one pinned",
      });
    }
    const packFingerprint = this.packSpki ? keyFingerprint(this.packSpki) : undefined;
    const pinnedFingerprint = this.pinnedSpki ? keyFingerprint(this.pinnedSpki) : undefined;
    const trusted = this.pinnedSpki ?? this.packSpki;
    if (!trusted) {
      this.add({
        check: "signatures-unchecked",
        message: `no signature was checked: the pack has no usable ${PUBLIC_KEY_PATH} and no key was pinned; pin the signing key with --public-key`,
      });
    }
    if (pinnedFingerprint && packFingerprint && pinnedFingerprint !== packFingerprint) {
      this.add({
        check: "key-untrusted",
        file: PUBLIC_KEY_PATH,
        expected: pinnedFingerprint,
        found: packFingerprint,
        message: `the pack carries key ${packFingerprint}, not the pinned key ${pinnedFingerprint}: it was signed or re-signed by a key you do not trust`,
      });
    }
    const manifest = this.readManifest();
    if (manifest) {
      this.checkManifestSignature(manifest, trusted);
      this.checkKeys(manifest, packFingerprint);
      this.checkFiles(manifest);
      this.checkStreams(manifest);
      this.checkScope(manifest);
    }
    this.locks.finish(manifest?.extensions);
    const problemCount = this.log.total;
    return {
      valid: problemCount === 0,
      records: this.records,
      streams: this.streams.size,
      files: this.entries,
      ...(manifest
        ? {
            pack: {
              formatVersion: manifest.formatVersion,
              packId: manifest.packId,
              scope: manifest.scope,
              generatedAt: manifest.generatedAt,
              generator: manifest.generator,
            },
          }
        : {}),
      key: {
        pinned: this.pinnedSpki !== undefined,
        ...(trusted ? { fingerprint: keyFingerprint(trusted) } : {}),
        ...(packFingerprint ? { packFingerprint } : {}),
        ...(manifest ? { keyId: manifest.key.keyId } : {}),
      },
      problems: this.log.problems,
      problemCount,
      problemsOmitted: this.log.omitted,
      problemCounts: this.log.counts(),
    };
  }

  private readManifest(): PackManifest | undefined {
    if (!this.manifestBytes) {
      this.add({
        check: "manifest-missing",
        file: MANIFEST_PATH,
        message: "the pack has no manifest, so its completeness and its files cannot be checked",
      });
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = strictParse(this.manifestBytes);
    } catch (error) {
      if (!(error instanceof CanonicalInputError)) throw error;
      this.add({ check: "manifest-invalid", file: MANIFEST_PATH, message: error.message });
      return undefined;
    }
    const version = (parsed as { formatVersion?: unknown } | null)?.formatVersion;
    if (version !== PACK_FORMAT_VERSION) {
      this.add({
        check: "format-version",
        file: MANIFEST_PATH,
        expected: PACK_FORMAT_VERSION,
        found: String(version),
        message:
          "this verifier reads format evidence-pack/v1; use a verifier that reads the pack's version",
      });
      return undefined;
    }
    const schemaError = manifestError(parsed);
    if (schemaError) {
      this.add({ check: "manifest-invalid", file: MANIFEST_PATH, message: schemaError });
      return undefined;
    }
    return parsed as PackManifest;
  }

  private checkManifestSignature(manifest: PackManifest, trusted: Buffer | undefined): void {
    if (!this.signatureBytes) {
      this.add({
        check: "manifest-signature-missing",
        file: MANIFEST_SIGNATURE_PATH,
        message: "the manifest is not signed, so nothing binds the pack's contents",
      });
      return;
    }
    let signature: PackSignature;
    try {
      const parsed = strictParse(this.signatureBytes);
      const schemaError = packSignatureError(parsed);
      if (schemaError) throw new Error(schemaError);
      signature = parsed as unknown as PackSignature;
    } catch (error) {
      this.add({
        check: "manifest-signature",
        file: MANIFEST_SIGNATURE_PATH,
        message: `not a manifest signature: ${(error as Error).message}`,
      });
      return;
    }
    if (signature.signature.keyId !== manifest.key.keyId) {
      this.add({
        check: "key-id",
        file: MANIFEST_SIGNATURE_PATH,
        expected: manifest.key.keyId,
        found: signature.signature.keyId,
        message: "the manifest is signed under another key id than it names",
      });
    }
    if (!trusted) return;
    const message = manifestStatementBytes({
      digest: sha256Digest(this.manifestBytes ?? Buffer.alloc(0)),
      packId: manifest.packId,
      time: signature.signature.signedAt,
      keyId: signature.signature.keyId,
    });
    let verified = false;
    try {
      verified = verify(
        "sha256",
        message,
        publicKeyFromSpki(trusted),
        Buffer.from(signature.signature.value, "base64"),
      );
    } catch {
      verified = false;
    }
    if (!verified) {
      this.add({
        check: "manifest-signature",
        file: MANIFEST_SIGNATURE_PATH,
        message: `the manifest signature does not verify with ${this.pinnedSpki ? "the pinned" : "the pack's"} key ${keyFingerprint(trusted)}: the manifest or its signature was changed`,
      });
    }
  }

  private checkKeys(manifest: PackManifest, packFingerprint: string | undefined): void {
    if (packFingerprint && manifest.key.fingerprint !== packFingerprint) {
      this.add({
        check: "key-mismatch",
        file: MANIFEST_PATH,
        expected: manifest.key.fingerprint,
        found: packFingerprint,
        message: `the manifest names key ${manifest.key.fingerprint}, but ${PUBLIC_KEY_PATH} holds ${packFingerprint}`,
      });
    }
    for (const keyId of this.keyIds) {
      if (keyId !== manifest.key.keyId) {
        this.add({
          check: "key-id",
          expected: manifest.key.keyId,
          found: keyId,
          message: `records are signed under key id ${keyId}, but the manifest names ${manifest.key.keyId}`,
        });
      }
    }
  }

  private checkFiles(manifest: PackManifest): void {
    const listed = new Map(manifest.files.map((file) => [file.path, file]));
    for (const [path, found] of this.digests) {
      const expected = listed.get(path);
      if (!expected) {
        this.add({
          check: "file-unlisted",
          file: path,
          message: "the entry is not in the manifest, so nothing vouches for it",
        });
      } else if (expected.sha256 !== found.sha256 || expected.bytes !== found.bytes) {
        this.add({
          check: "file-digest",
          file: path,
          expected: `${expected.bytes} bytes ${expected.sha256}`,
          found: `${found.bytes} bytes ${found.sha256}`,
          message: "the file differs from the one the manifest lists",
        });
      }
    }
    for (const path of listed.keys()) {
      if (!this.digests.has(path)) {
        this.add({
          check: "file-missing",
          file: path,
          message: "the manifest lists this file, but the pack lacks it",
        });
      }
    }
    const counts = manifest.counts;
    const actual = {
      records: this.records,
      streams: manifest.streams.length,
      files: manifest.files.length,
    };
    for (const key of ["records", "streams", "files"] as const) {
      if (counts[key] !== actual[key]) {
        this.add({
          check: "counts",
          file: MANIFEST_PATH,
          expected: String(counts[key]),
          found: String(actual[key]),
          message: `the manifest counts ${counts[key]} ${key}, there are ${actual[key]}`,
        });
      }
    }
  }

  /** The streams the records showed, in archive order. */
  private seenStreams(): Array<{ stream: string; firstSeq: number; headSeq: number }> {
    return [...this.streams].map(([stream, state]) => ({
      stream,
      firstSeq: state.firstSeq,
      headSeq: state.headSeq,
    }));
  }

  /** A segment (a stream from after seq 1) must start at the prev the manifest signs. */
  private checkSegmentStart(
    manifest: PackManifest,
    expected: PackManifest["streams"][number],
    found: StreamState,
  ): void {
    const where = { check: "stream-start" as const, stream: expected.stream };
    if (expected.firstPrev !== undefined) {
      if (found.firstSeq === expected.firstSeq && found.firstPrev !== expected.firstPrev) {
        this.add({
          ...where,
          seq: found.firstSeq,
          expected: expected.firstPrev,
          found: found.firstPrev,
          message: `the first record links to another record than the signed start of the segment: records before seq ${found.firstSeq} were changed, or the segment was cut`,
        });
      }
    } else if (
      expected.firstSeq > 1 &&
      manifest.extensions?.includes(PACK_EXTENSIONS.segments) === true
    ) {
      this.add({
        ...where,
        message: `the stream starts at seq ${expected.firstSeq} but the manifest names no firstPrev, which ${PACK_EXTENSIONS.segments} requires`,
      });
    }
  }

  private checkStreams(manifest: PackManifest): void {
    const listed = new Set<string>();
    for (const expected of manifest.streams) {
      listed.add(expected.stream);
      const found = this.streams.get(expected.stream);
      const where = { stream: expected.stream };
      if (!found) {
        this.add({
          check: "stream-missing",
          ...where,
          message: `the manifest lists ${expected.records} records (seq ${expected.firstSeq} to ${expected.headSeq}), the pack has none`,
        });
        continue;
      }
      if (found.firstSeq !== expected.firstSeq) {
        this.add({
          check: "stream-start",
          ...where,
          expected: String(expected.firstSeq),
          found: String(found.firstSeq),
          message: `the stream starts at seq ${found.firstSeq}, the manifest says ${expected.firstSeq}`,
        });
      }
      this.checkSegmentStart(manifest, expected, found);
      if (found.headSeq !== expected.headSeq || found.headDigest !== expected.headDigest) {
        let message = "the last record is not the signed head";
        if (found.headSeq < expected.headSeq) {
          message = `the pack lacks records ${found.headSeq + 1} to ${expected.headSeq} of the signed head`;
        } else if (found.headSeq > expected.headSeq) {
          message = `the pack has records after the signed head ${expected.headSeq}`;
        }
        this.add({
          check: "stream-head",
          ...where,
          seq: found.headSeq,
          expected: `${expected.headSeq} ${expected.headDigest}`,
          found: `${found.headSeq} ${found.headDigest}`,
          message,
        });
      }
      if (found.records !== expected.records) {
        this.add({
          check: "stream-count",
          ...where,
          expected: String(expected.records),
          found: String(found.records),
          message: `the stream holds ${found.records} records, the manifest says ${expected.records}`,
        });
      }
    }
    for (const stream of this.streams.keys()) {
      if (!listed.has(stream)) {
        this.add({
          check: "stream-unlisted",
          stream,
          message: "the stream has records but the manifest does not list it",
        });
      }
    }
  }

  private checkScope(manifest: PackManifest): void {
    const problem = scopeError(manifest.scope);
    if (problem) {
      this.add({ check: "scope", file: MANIFEST_PATH, message: problem });
      return;
    }
    if (manifest.scope.kind !== "release") return;
    const stream = releaseStream(manifest.scope.value);
    const entry = manifest.streams.find((s) => s.stream === stream);
    if (entry?.firstSeq !== 1) {
      this.add({
        check: "scope",
        stream,
        message: entry
          ? `a release pack must hold its stream from seq 1; it starts at ${entry.firstSeq}`
          : `a release pack must hold the stream ${stream}`,
      });
    }
  }
}

/**
 * Copies `parts` into the start of a batch buffer of the runner's, which owns its memory so it can
 * be transferred to a worker. Returns a view of the `length` bytes copied.
 */
function join(parts: readonly Buffer[], length: number, runner: BatchRunner): Buffer {
  const out = Buffer.from(runner.takeBuffer(length), 0, length);
  let offset = 0;
  for (const part of parts) {
    part.copy(out, offset);
    offset += part.length;
  }
  return out;
}

function oversizedLine(): BatchResult {
  return {
    lines: 1,
    segments: [],
    problems: [
      {
        check: "record-parse",
        line: 1,
        message: `the line is longer than ${MAX_CHUNK_BYTES} bytes, more than any record can be`,
      },
    ],
    keyIds: [],
  };
}
