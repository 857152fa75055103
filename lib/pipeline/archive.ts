import { createHash } from "node:crypto";
import type { ArchivedObject, LockedPut, LockMode } from "../adapters/archive-store.ts";
import { sha256Base64 } from "../adapters/archive-store.ts";
import type { StoredRecord } from "../adapters/event-store.ts";
import { type EvidenceClass, type RetentionPeriod, retainUntil } from "../core/retention.ts";
import type { PipelineLogger, PipelineMetrics } from "./telemetry.ts";

/** Prefix of every archived record in the evidence bucket. */
export const RECORDS_PREFIX = "records/";

/** The evidence bucket as the archive uses it (see S3EvidenceArchive). */
export interface ArchiveBucket {
  head(key: string): Promise<ArchivedObject | undefined>;
  putLocked(put: LockedPut): Promise<{ versionId?: string; sha256: string }>;
}

/** Everything the archive needs, injected. */
export interface ArchiveDeps {
  readonly bucket: ArchiveBucket;
  readonly lockMode: LockMode;
  readonly retention: Readonly<Record<EvidenceClass, RetentionPeriod>>;
  readonly logger: PipelineLogger;
  readonly metrics: PipelineMetrics;
}

/** Raised when the bucket holds different bytes at a record's key: never overwritten, always reported. */
export class ArchiveMismatchError extends Error {
  override readonly name = "ArchiveMismatchError";
  readonly key: string;

  constructor(key: string, stored: string | undefined, expected: string) {
    super(
      `${key} already holds different content (sha256 ${stored ?? "unknown"}, record has ${expected}); the archive was written by something else: investigate before archiving again`,
    );
    this.key = key;
  }
}

/**
 * Object key of a record: `records/<2 hex of sha256(stream)>/<stream>/<seq, 12 digits>.json`.
 * The hash prefix spreads streams over 256 prefixes (S3 scales per prefix); the padded seq keeps
 * a stream's records listed in order.
 *
 * @example
 * recordKey("release/r-42", 7) // "records/56/release/r-42/000000000007.json"
 */
export function recordKey(stream: string, seq: number): string {
  const spread = createHash("sha256").update(stream).digest("hex").slice(0, 2);
  return `${RECORDS_PREFIX}${spread}/${stream}/${String(seq).padStart(12, "0")}.json`;
}

/** What archiving one record did. */
export type ArchiveOutcome = "archived" | "already-archived";

/**
 * Writes one record to the evidence bucket under Object Lock until receivedAt + its class's
 * retention, with a SHA-256 checksum. Idempotent: an object with the same bytes already at the
 * key is left alone; different bytes raise {@link ArchiveMismatchError}.
 */
export async function archiveRecord(
  record: Pick<StoredRecord, "stream" | "seq" | "signed" | "eventType" | "receivedAt">,
  deps: ArchiveDeps,
): Promise<ArchiveOutcome> {
  const key = recordKey(record.stream, record.seq);
  const body = Buffer.from(record.signed, "utf8");
  const sha256 = sha256Base64(body);
  const existing = await deps.bucket.head(key);
  if (existing) {
    if (existing.sha256 !== sha256) {
      deps.metrics.addMetric("ArchiveMismatches", "Count", 1);
      throw new ArchiveMismatchError(key, existing.sha256, sha256);
    }
    deps.metrics.addMetric("RecordsAlreadyArchived", "Count", 1);
    return "already-archived";
  }
  const until = retainUntil(record.eventType, new Date(record.receivedAt), deps.retention);
  const { versionId } = await deps.bucket.putLocked({
    key,
    body,
    contentType: "application/json",
    lockMode: deps.lockMode,
    retainUntil: until,
    metadata: { stream: record.stream, seq: String(record.seq) },
  });
  deps.metrics.addMetric("RecordsArchived", "Count", 1);
  deps.logger.info("record archived", {
    stream: record.stream,
    seq: record.seq,
    key,
    versionId,
    retainUntil: until.toISOString(),
  });
  return "archived";
}
