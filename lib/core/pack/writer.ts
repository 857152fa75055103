import { createHash, randomUUID, verify } from "node:crypto";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, type Gzip } from "node:zlib";
import { canonicalBytes, canonicalize } from "../canonical/index.ts";
import { type Digest, sha256Digest } from "../digest.ts";
import { checkLink } from "../records/chain.ts";
import { releaseStream } from "../records/stream.ts";
import type { SignedRecord } from "../records/types.ts";
import {
  type KeyedSigner,
  keyFingerprint,
  publicKeyFromSpki,
  SIGNING_ALGORITHM,
  spkiToPem,
} from "../signing/keys.ts";
import { MANIFEST_STATEMENT, manifestStatementBytes } from "../statement/index.ts";
import {
  chunkPath,
  isExtraFilePath,
  MANIFEST_PATH,
  MANIFEST_SIGNATURE_PATH,
  MAX_CHUNK_BYTES,
  MAX_RECORDS_PER_CHUNK,
  type ManifestFile,
  type ManifestStream,
  PACK_FORMAT_VERSION,
  type PackManifest,
  type PackScope,
  type PackSignature,
  PUBLIC_KEY_PATH,
  scopeError,
} from "./format.ts";
import { LINE_PREFIX } from "./lines.ts";
import { END_OF_ARCHIVE, fileHeader, padding } from "./tar.ts";

/** Why a pack could not be written. Nothing written before the error is a valid pack. */
export type PackWriteErrorCode =
  | "records-order"
  | "stream-split"
  | "chain-broken"
  | "key-mismatch"
  | "signer-key"
  | "scope"
  | "file";

/** Raised when the input cannot become a valid pack; the message says what to fix. */
export class PackWriteError extends Error {
  override readonly name = "PackWriteError";
  readonly code: PackWriteErrorCode;

  constructor(code: PackWriteErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Who wrote the pack: recorded in the manifest. */
export interface PackGenerator {
  readonly name: string;
  readonly version: string;
  /** The principal that generated the pack (a role ARN, a user). */
  readonly identity: string;
}

/**
 * Content of a further file too large to hold in memory: its exact size (a tar header states it
 * before the content) and a function that streams it. The writer checks the size.
 */
export interface StreamedContent {
  readonly bytes: number;
  read(): AsyncIterable<Uint8Array>;
}

/** A further file placed between the records and the manifest, covered by the manifest digests. */
export interface PackFile {
  readonly path: string;
  readonly content: Uint8Array | string | StreamedContent;
}

/** What the records part of a pack held, for files derived from it (a report, a summary). */
export interface PackContents {
  readonly records: number;
  readonly streams: readonly ManifestStream[];
}

export interface PackWriterOptions {
  /** The signing key's public half, DER SPKI; written as public-key.pem. */
  readonly publicKey: Uint8Array;
  /** Signs the manifest; must hold the private half of `publicKey`. */
  readonly signer: KeyedSigner;
  readonly scope: PackScope;
  readonly generator: PackGenerator;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** @default a random UUID */
  readonly packId?: string;
  /**
   * Further files, or a function that makes them once the records are written.
   * @default none
   */
  readonly files?:
    | readonly PackFile[]
    | ((contents: PackContents) => Promise<readonly PackFile[]> | readonly PackFile[]);
  /** @default 10,000 (the format's maximum) */
  readonly maxRecordsPerChunk?: number;
  /**
   * Extensions of v1 the pack uses (lib/core/pack/extensions.ts), listed in the manifest.
   * @default none
   */
  readonly extensions?: readonly string[];
  /** gzip level 1-9. @default 6 */
  readonly compressionLevel?: number;
}

/** The result of writing a pack. */
export interface WrittenPack {
  readonly manifest: PackManifest;
  readonly manifestDigest: Digest;
  readonly signature: PackSignature;
}

interface OpenStream {
  stream: string;
  firstSeq: number;
  firstPrev: Digest;
  headSeq: number;
  headDigest: Digest;
  records: number;
}

/**
 * Writes an evidence pack (format v1) to a stream. Records must arrive grouped by stream, each
 * stream in ascending seq with no gaps; they are written in records files of at most 10,000,
 * so memory stays flat whatever the pack size. Refuses input that would make an invalid pack
 * (a broken chain, a stream split in two, a record signed by another key).
 *
 * @example
 * const writer = new PackWriter({ publicKey, signer, scope: { kind: "release", value: "r-42" },
 *   generator: { name: "evidence-plane", version: "0.1.0", identity: "arn:aws:iam::1:role/packer" } });
 * await writer.write(records, createWriteStream("r-42.evidence.tar.gz"));
 */
export class PackWriter {
  private readonly options: PackWriterOptions;
  private readonly maxRecordsPerChunk: number;

  constructor(options: PackWriterOptions) {
    const problem = scopeError(options.scope);
    if (problem) throw new PackWriteError("scope", problem);
    publicKeyFromSpki(options.publicKey);
    const max = options.maxRecordsPerChunk ?? MAX_RECORDS_PER_CHUNK;
    if (!Number.isSafeInteger(max) || max < 1 || max > MAX_RECORDS_PER_CHUNK) {
      throw new RangeError(`maxRecordsPerChunk must be 1..${MAX_RECORDS_PER_CHUNK}, got ${max}`);
    }
    this.options = options;
    this.maxRecordsPerChunk = max;
  }

  /** Writes the pack to `output` and ends it. On error `output` is destroyed and the error thrown. */
  async write(
    records: AsyncIterable<SignedRecord> | Iterable<SignedRecord>,
    output: Writable,
  ): Promise<WrittenPack> {
    const gzip = createGzip({ level: this.options.compressionLevel ?? 6 });
    const finished = pipeline(gzip, output);
    finished.catch(() => undefined);
    try {
      const result = await this.writeEntries(records, gzip);
      gzip.end();
      await finished;
      return result;
    } catch (error) {
      gzip.destroy(error instanceof Error ? error : new Error(String(error)));
      await finished.catch(() => undefined);
      throw error;
    }
  }

  private async writeEntries(
    records: AsyncIterable<SignedRecord> | Iterable<SignedRecord>,
    gzip: Gzip,
  ): Promise<WrittenPack> {
    const { signer, publicKey, scope } = this.options;
    const clock = this.options.clock ?? (() => new Date());
    const generatedAt = clock();
    const files: ManifestFile[] = [];
    const put = async (bytes: Uint8Array): Promise<void> => {
      if (bytes.byteLength > 0 && !gzip.write(bytes)) await once(gzip, "drain");
    };
    const entry = async (path: string, content: Uint8Array): Promise<void> => {
      await put(fileHeader(path, content.byteLength, generatedAt));
      await put(content);
      await put(padding(content.byteLength));
      files.push({ path, bytes: content.byteLength, sha256: sha256Digest(content) });
    };
    const streamedEntry = async (path: string, content: StreamedContent): Promise<void> => {
      await put(fileHeader(path, content.bytes, generatedAt));
      const hash = createHash("sha256");
      let bytes = 0;
      for await (const chunk of content.read()) {
        bytes += chunk.byteLength;
        if (bytes > content.bytes) break;
        hash.update(chunk);
        await put(chunk);
      }
      if (bytes !== content.bytes) {
        throw new PackWriteError(
          "file",
          `${path} was announced as ${content.bytes} bytes but its content ${bytes > content.bytes ? "is longer" : `has ${bytes}`}; give its exact size`,
        );
      }
      await put(padding(bytes));
      files.push({ path, bytes, sha256: `sha256:${hash.digest("hex")}` });
    };

    await entry(PUBLIC_KEY_PATH, Buffer.from(spkiToPem(publicKey)));

    const streams: ManifestStream[] = [];
    const seen = new Set<string>();
    let open: OpenStream | undefined;
    let total = 0;
    let lines: string[] = [];
    let chunkBytes = 0;
    let chunks = 0;
    const flush = async (): Promise<void> => {
      if (lines.length === 0) return;
      const content = Buffer.from(lines.join(""), "utf8");
      lines = [];
      chunkBytes = 0;
      chunks++;
      await entry(chunkPath(chunks), content);
    };

    for await (const signed of records) {
      const { record, signature } = signed;
      if (signature.keyId !== signer.keyId) {
        throw new PackWriteError(
          "key-mismatch",
          `${record.stream} seq ${record.seq} is signed by ${signature.keyId}, but this pack carries the key of ${signer.keyId}; a v1 pack holds records of one key`,
        );
      }
      const recordText = canonicalize(record);
      const digest = sha256Digest(recordText);
      if (open?.stream !== record.stream) {
        if (seen.has(record.stream)) {
          throw new PackWriteError(
            "stream-split",
            `records of ${record.stream} arrived in two groups; give each stream's records together`,
          );
        }
        if (open) streams.push(manifestStream(open));
        seen.add(record.stream);
        open = undefined;
      }
      const finding = checkLink(
        open ? { seq: open.headSeq, digest: open.headDigest } : undefined,
        record,
      );
      if (finding) {
        throw new PackWriteError(
          finding.check === "chain-seq" ? "records-order" : "chain-broken",
          `${record.stream} seq ${record.seq}: ${finding.message} (expected ${finding.expected}, found ${finding.found})`,
        );
      }
      if (open) {
        open.headSeq = record.seq;
        open.headDigest = digest;
        open.records++;
      } else {
        open = {
          stream: record.stream,
          firstSeq: record.seq,
          firstPrev: record.prev,
          headSeq: record.seq,
          headDigest: digest,
          records: 1,
        };
      }
      const line = `${LINE_PREFIX}${recordText},"signature":${canonicalize(signature)}}\n`;
      const lineBytes = Buffer.byteLength(line, "utf8");
      if (lines.length > 0 && chunkBytes + lineBytes > MAX_CHUNK_BYTES) await flush();
      lines.push(line);
      chunkBytes += lineBytes;
      total++;
      if (lines.length >= this.maxRecordsPerChunk) await flush();
    }
    await flush();
    if (open) streams.push(manifestStream(open));
    this.checkScope(streams);

    const extra = await this.extraFiles({ records: total, streams });
    for (const file of extra) {
      const { content } = file;
      if (typeof content === "string") await entry(file.path, Buffer.from(content, "utf8"));
      else if (content instanceof Uint8Array) await entry(file.path, content);
      else await streamedEntry(file.path, content);
    }

    const manifest: PackManifest = {
      formatVersion: PACK_FORMAT_VERSION,
      packId: this.options.packId ?? randomUUID(),
      scope: { kind: scope.kind, value: scope.value },
      generatedAt: generatedAt.toISOString(),
      generator: { ...this.options.generator },
      key: {
        keyId: signer.keyId,
        fingerprint: keyFingerprint(publicKey),
        algorithm: SIGNING_ALGORITHM,
      },
      streams,
      counts: { records: total, streams: streams.length, files: files.length },
      files: [...files],
      ...(this.options.extensions?.length ? { extensions: [...this.options.extensions] } : {}),
    };
    const manifestBytes = canonicalBytes(manifest);
    const manifestDigest = sha256Digest(manifestBytes);
    const signature = await this.signManifest(manifest.packId, manifestDigest, clock());
    await entry(MANIFEST_PATH, manifestBytes);
    await entry(MANIFEST_SIGNATURE_PATH, canonicalBytes(signature));
    await put(END_OF_ARCHIVE);
    return { manifest, manifestDigest, signature };
  }

  private checkScope(streams: readonly ManifestStream[]): void {
    const { scope } = this.options;
    if (scope.kind !== "release") return;
    const stream = releaseStream(scope.value);
    const entry = streams.find((s) => s.stream === stream);
    if (entry?.firstSeq !== 1) {
      throw new PackWriteError(
        "scope",
        entry
          ? `a release pack holds its whole stream, but ${stream} starts at seq ${entry.firstSeq}; include records from seq 1`
          : `a release pack must hold the records of ${stream}, and none were given`,
      );
    }
  }

  private async extraFiles(contents: PackContents): Promise<readonly PackFile[]> {
    const { files } = this.options;
    const list = typeof files === "function" ? await files(contents) : (files ?? []);
    const paths = new Set<string>();
    for (const file of list) {
      if (!isExtraFilePath(file.path) || paths.has(file.path)) {
        throw new PackWriteError(
          "file",
          `"${file.path}" cannot be a pack file: use a unique relative path of letters, digits, '.', '_', '-' and '/', outside records/, not ${MANIFEST_PATH}, ${MANIFEST_SIGNATURE_PATH} or ${PUBLIC_KEY_PATH}`,
        );
      }
      paths.add(file.path);
    }
    return list;
  }

  private async signManifest(packId: string, digest: Digest, now: Date): Promise<PackSignature> {
    const { signer, publicKey } = this.options;
    const time = now.toISOString();
    const message = manifestStatementBytes({ digest, packId, time, keyId: signer.keyId });
    const result = await signer.sign(message);
    if (!verify("sha256", message, publicKeyFromSpki(publicKey), result.signature)) {
      throw new PackWriteError(
        "signer-key",
        `the signer (${signer.keyId}) does not hold the private half of the public key given (fingerprint ${keyFingerprint(publicKey)}); pass the signer's own public key`,
      );
    }
    return {
      statement: MANIFEST_STATEMENT,
      signature: {
        keyId: signer.keyId,
        algorithm: SIGNING_ALGORITHM,
        signedAt: time,
        value: Buffer.from(result.signature).toString("base64"),
        ...(result.requestId === undefined ? {} : { requestId: result.requestId }),
      },
    };
  }
}

function manifestStream(open: OpenStream): ManifestStream {
  return {
    stream: open.stream,
    firstSeq: open.firstSeq,
    headSeq: open.headSeq,
    headDigest: open.headDigest,
    records: open.records,
    // A segment names the digest it starts from; a stream from seq 1 starts at the genesis.
    ...(open.firstSeq > 1 ? { firstPrev: open.firstPrev } : {}),
  };
}
