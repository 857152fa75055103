import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { LockMode } from "../adapters/archive-store.ts";

/** Where and how a pack is stored. */
export interface PackUploadOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly lockMode: LockMode;
  readonly retainUntil: Date;
  /** Bytes per part (S3's minimum is 5 MiB, except the last part). @default 8 MiB */
  readonly partSize?: number;
  readonly metadata?: Record<string, string>;
}

/** The stored pack. */
export interface UploadedPack {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly bytes: number;
  /** SHA-256 of the whole pack file, `sha256:<hex>`. */
  readonly digest: `sha256:${string}`;
}

const MIN_PART = 5 * 1024 * 1024;

/**
 * A writable stream that uploads into an Object Lock bucket with a multipart upload, one part
 * at a time: memory holds one part whatever the pack size, and a write waits while its part
 * uploads (back-pressure). Each part carries its SHA-256, as Object Lock requires a checksum.
 * After completion the version's lock is read back and set if S3 did not apply it (the
 * emulator ignores the lock of multipart uploads). On error the upload is aborted: no partial
 * pack is ever stored.
 */
export class PackUpload extends Writable {
  private readonly options: PackUploadOptions;
  private readonly partSize: number;
  private readonly hash = createHash("sha256");
  private readonly parts: CompletedPart[] = [];
  private buffer: Buffer;
  private filled = 0;
  private total = 0;
  private uploadId: Promise<string> | undefined;
  private result: UploadedPack | undefined;

  constructor(options: PackUploadOptions) {
    super({ highWaterMark: 1024 * 1024 });
    const partSize = options.partSize ?? 8 * 1024 * 1024;
    if (partSize < MIN_PART) throw new RangeError(`partSize must be at least ${MIN_PART} bytes`);
    this.options = options;
    this.partSize = partSize;
    this.buffer = Buffer.allocUnsafe(partSize);
  }

  /** The stored pack, once the stream has finished. */
  get uploaded(): UploadedPack {
    if (!this.result) throw new Error("the pack upload has not finished");
    return this.result;
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.take(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.complete().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const started = this.uploadId;
    if (!started || this.result) {
      callback(error);
      return;
    }
    started
      .then((id) =>
        this.options.client.send(
          new AbortMultipartUploadCommand({
            Bucket: this.options.bucket,
            Key: this.options.key,
            UploadId: id,
          }),
        ),
      )
      .then(
        () => callback(error),
        () => callback(error),
      );
  }

  private start(): Promise<string> {
    this.uploadId ??= this.options.client
      .send(
        new CreateMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: this.options.key,
          ContentType: "application/gzip",
          ChecksumAlgorithm: "SHA256",
          ObjectLockMode: this.options.lockMode,
          ObjectLockRetainUntilDate: this.options.retainUntil,
          ...(this.options.metadata ? { Metadata: this.options.metadata } : {}),
        }),
      )
      .then((out) => {
        if (!out.UploadId) throw new Error("S3 CreateMultipartUpload returned no upload id");
        return out.UploadId;
      });
    return this.uploadId;
  }

  private async take(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.total += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.partSize - this.filled);
      chunk.copy(this.buffer, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.partSize) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const body = this.buffer.subarray(0, this.filled);
    const id = await this.start();
    const number = this.parts.length + 1;
    const checksum = createHash("sha256").update(body).digest("base64");
    const out = await this.options.client.send(
      new UploadPartCommand({
        Bucket: this.options.bucket,
        Key: this.options.key,
        UploadId: id,
        PartNumber: number,
        Body: body,
        ChecksumSHA256: checksum,
      }),
    );
    this.parts.push({ PartNumber: number, ETag: out.ETag, ChecksumSHA256: checksum });
    // A fresh buffer: the SDK may still hold the sent one.
    this.buffer = Buffer.allocUnsafe(this.partSize);
    this.filled = 0;
  }

  private async complete(): Promise<void> {
    if (this.filled > 0 || this.parts.length === 0) await this.flush();
    const id = await this.start();
    const { client, bucket, key, lockMode, retainUntil } = this.options;
    const out = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: id,
        MultipartUpload: { Parts: this.parts },
      }),
    );
    const versionId = out.VersionId;
    const head = await client.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(versionId ? { VersionId: versionId } : {}),
      }),
    );
    const lockedUntil = head.ObjectLockRetainUntilDate?.getTime() ?? 0;
    if (head.ObjectLockMode !== lockMode || lockedUntil < retainUntil.getTime()) {
      await client.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: key,
          ...(versionId ? { VersionId: versionId } : {}),
          Retention: { Mode: lockMode, RetainUntilDate: retainUntil },
          ChecksumAlgorithm: "SHA256",
        }),
      );
    }
    this.result = {
      bucket,
      key,
      ...(versionId ? { versionId } : {}),
      bytes: this.total,
      digest: `sha256:${this.hash.digest("hex")}`,
    };
  }
}
