import { createHash } from "node:crypto";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  type ObjectLockMode,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { type AwsTarget, clientConfig } from "./aws-config.ts";

/** Object Lock modes the evidence plane writes with. */
export type LockMode = "COMPLIANCE" | "GOVERNANCE";

/** What HeadObject says about a stored object. */
export interface ArchivedObject {
  readonly key: string;
  readonly versionId?: string;
  readonly lockMode?: LockMode;
  readonly retainUntil?: Date;
  readonly legalHold: boolean;
  /** SHA-256 of the body, base64, as sent with the object. */
  readonly sha256?: string;
  readonly size?: number;
}

/** One object to write under Object Lock. */
export interface LockedPut {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly lockMode: LockMode;
  readonly retainUntil: Date;
  readonly metadata?: Record<string, string>;
}

const SHA256_METADATA = "sha256";

/** SHA-256 of bytes, base64: the form of S3's `x-amz-checksum-sha256`. */
export function sha256Base64(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("base64");
}

/**
 * An Object Lock bucket written only with new keys. Every object carries its lock mode,
 * retain-until date and a SHA-256 checksum that S3 checks on upload.
 */
export class S3EvidenceArchive {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(options: { client: S3Client; bucket: string }) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  static forTarget(target: AwsTarget, bucket: string): S3EvidenceArchive {
    return new S3EvidenceArchive({ client: createS3Client(target), bucket });
  }

  /** Writes an object with its lock and checksum; returns the new version id. */
  async putLocked(put: LockedPut): Promise<{ versionId?: string; sha256: string }> {
    const sha256 = sha256Base64(put.body);
    const out = await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: put.key,
        Body: put.body,
        ContentType: put.contentType,
        ChecksumAlgorithm: "SHA256",
        ChecksumSHA256: sha256,
        ObjectLockMode: put.lockMode as ObjectLockMode,
        ObjectLockRetainUntilDate: put.retainUntil,
        Metadata: { ...put.metadata, [SHA256_METADATA]: sha256 },
      }),
    );
    return out.VersionId ? { versionId: out.VersionId, sha256 } : { sha256 };
  }

  /**
   * Writes the object unless the key already has one (Object Lock keeps every version, so a
   * second write would add a version, not replace one). True when it wrote.
   */
  async writeOnce(
    put: Omit<LockedPut, "contentType"> & { contentType?: string },
  ): Promise<boolean> {
    if (await this.head(put.key)) return false;
    await this.putLocked({ contentType: "application/json", ...put });
    return true;
  }

  /** The object's current version, lock and checksum, or undefined when there is none. */
  async head(key: string, versionId?: string): Promise<ArchivedObject | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ChecksumMode: "ENABLED",
          ...(versionId ? { VersionId: versionId } : {}),
        }),
      );
      const sha256 = out.ChecksumSHA256 ?? out.Metadata?.[SHA256_METADATA];
      return {
        key,
        legalHold: out.ObjectLockLegalHoldStatus === "ON",
        ...(out.VersionId ? { versionId: out.VersionId } : {}),
        ...(out.ObjectLockMode ? { lockMode: out.ObjectLockMode as LockMode } : {}),
        ...(out.ObjectLockRetainUntilDate ? { retainUntil: out.ObjectLockRetainUntilDate } : {}),
        ...(sha256 ? { sha256 } : {}),
        ...(out.ContentLength !== undefined ? { size: out.ContentLength } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The object's bytes (a given version, or the current one). */
  async get(key: string, versionId?: string): Promise<Uint8Array> {
    const out = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(versionId ? { VersionId: versionId } : {}),
      }),
    );
    if (!out.Body) return new Uint8Array();
    return out.Body.transformToByteArray();
  }

  /** Every key under `prefix`, a page at a time. */
  async *keys(prefix: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of out.Contents ?? []) if (object.Key) yield object.Key;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  /** How many keys there are under `prefix`. */
  async count(prefix: string): Promise<number> {
    let count = 0;
    for await (const _ of this.keys(prefix)) count++;
    return count;
  }
}

/** An S3 client for `target` (path-style addressing on the emulator). */
export function createS3Client(target: AwsTarget): S3Client {
  return new S3Client({ ...clientConfig(target), forcePathStyle: target.endpoint !== undefined });
}

function isNotFound(error: unknown): boolean {
  if (error instanceof NotFound) return true;
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404;
}
