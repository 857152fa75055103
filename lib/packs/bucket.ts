import {
  HeadObjectCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  NotFound,
  PutObjectLegalHoldCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { ArchiveLockMode } from "../core/pack/extensions.ts";

/** One version of an object, as ListObjectVersions lists it. */
export interface ObjectVersion {
  readonly key: string;
  readonly versionId: string;
}

/** What HeadObject says about one version. */
export interface VersionState {
  readonly lockMode?: ArchiveLockMode;
  readonly retainUntil?: Date;
  readonly legalHold: boolean;
  /** SHA-256 of the content, base64 (S3's checksum, or the archive's metadata copy of it). */
  readonly sha256?: string;
  readonly size?: number;
}

/** The operations packs and legal holds use on an Object Lock bucket. */
export interface LockedObjects {
  readonly bucket: string;
  /** Every version under `prefix` in key order (then newest first), after `startAfter`. */
  versions(prefix: string, startAfter?: string): AsyncIterable<ObjectVersion>;
  head(key: string, versionId: string): Promise<VersionState | undefined>;
  setLegalHold(key: string, versionId: string, on: boolean): Promise<void>;
}

/** An Object Lock bucket through the S3 API. */
export class S3LockedObjects implements LockedObjects {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(options: { client: S3Client; bucket: string }) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  async *versions(prefix: string, startAfter?: string): AsyncIterable<ObjectVersion> {
    let keyMarker = startAfter;
    let versionIdMarker: string | undefined;
    for (;;) {
      const out: ListObjectVersionsCommandOutput = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
        }),
      );
      for (const version of out.Versions ?? []) {
        if (version.Key && version.VersionId) {
          yield { key: version.Key, versionId: version.VersionId };
        }
      }
      if (!out.IsTruncated) return;
      keyMarker = out.NextKeyMarker;
      versionIdMarker = out.NextVersionIdMarker;
    }
  }

  async head(key: string, versionId: string): Promise<VersionState | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: key,
          VersionId: versionId,
          ChecksumMode: "ENABLED",
        }),
      );
      const sha256 = out.ChecksumSHA256 ?? out.Metadata?.sha256;
      const mode = out.ObjectLockMode;
      return {
        legalHold: out.ObjectLockLegalHoldStatus === "ON",
        ...(mode === "COMPLIANCE" || mode === "GOVERNANCE" ? { lockMode: mode } : {}),
        ...(out.ObjectLockRetainUntilDate ? { retainUntil: out.ObjectLockRetainUntilDate } : {}),
        // A multipart checksum (`<base64>-<parts>`) is not the content's SHA-256.
        ...(sha256 && !sha256.includes("-") ? { sha256 } : {}),
        ...(out.ContentLength !== undefined ? { size: out.ContentLength } : {}),
      };
    } catch (error) {
      if (
        error instanceof NotFound ||
        (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
      ) {
        return undefined;
      }
      throw error;
    }
  }

  async setLegalHold(key: string, versionId: string, on: boolean): Promise<void> {
    await this.client.send(
      new PutObjectLegalHoldCommand({
        Bucket: this.bucket,
        Key: key,
        VersionId: versionId,
        LegalHold: { Status: on ? "ON" : "OFF" },
        ChecksumAlgorithm: "SHA256",
      }),
    );
  }
}
