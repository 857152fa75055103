import type { Writable } from "node:stream";
import { canonicalize } from "../core/canonical/index.ts";
import type { ControlMap } from "../core/controls/index.ts";
import {
  type ArchiveLockEntry,
  COMPLETENESS_PATH,
  PACK_EXTENSIONS,
  REPORT_PATH,
} from "../core/pack/extensions.ts";
import type { ManifestStream } from "../core/pack/format.ts";
import {
  type PackContents,
  type PackFile,
  type PackGenerator,
  PackWriter,
  type WrittenPack,
} from "../core/pack/writer.ts";
import type { SignedRecord } from "../core/records/types.ts";
import { completenessStatement, ReportCollector, renderReport } from "../core/report/index.ts";
import { type KeyedSigner, keyFingerprint } from "../core/signing/keys.ts";
import { recordKey } from "../pipeline/archive.ts";
import { lockEntry, StreamVersions, sha256Base64 } from "./archive-state.ts";
import type { LockedObjects } from "./bucket.ts";
import type { EvidenceSource } from "./evidence-source.ts";
import { LockFiles } from "./lock-files.ts";
import type { PackPlan } from "./plan.ts";
import { formatScope } from "./scope.ts";

/** What assembling a pack needs, injected. */
export interface AssemblyDeps {
  readonly source: EvidenceSource;
  /** The evidence bucket, to read each record's archive state; leave out to skip it. */
  readonly archive?: LockedObjects;
  readonly signer: KeyedSigner;
  /** The signing key's public half (DER SPKI), written into the pack. */
  readonly publicKey: Uint8Array;
  readonly controlMap: ControlMap;
  readonly generator: PackGenerator;
  /** HeadObject requests in flight while records stream. @default 16 */
  readonly archiveConcurrency?: number;
  /** Folder for the archive-locks spool. @default the system's temporary folder */
  readonly spoolDir?: string;
  readonly clock?: () => Date;
}

/** Who asked for the pack, shown in its report. */
export interface AssemblyRequest {
  readonly packId: string;
  readonly plan: PackPlan;
  readonly requestedBy?: string;
  readonly requestReference?: string;
}

export interface AssemblyProgress {
  readonly records: number;
  readonly total: number;
}

/** The written pack and what it holds. */
export interface AssembledPack extends WrittenPack {
  readonly records: number;
  readonly generatedAt: Date;
}

/** Records per records file of the packs assembled here. */
export const RECORDS_PER_FILE = 5_000;

/** Raised when the table gives a stream with a seq missing: the pack would not verify. */
export class StreamGapError extends Error {
  override readonly name = "StreamGapError";
}

/**
 * Streams a pack for a resolved plan into `output`: every planned record read from the table
 * a page at a time, each record's archived object read back from S3 (versions, lock, legal
 * hold, and whether its bytes are the record's), the report and completeness statement built
 * as the records pass, and the manifest signed last. Memory holds one records file (at most
 * 10,000 records), one page of the table and the report's bounded facts, whatever the pack size.
 */
export async function assemblePack(
  request: AssemblyRequest,
  deps: AssemblyDeps,
  output: Writable,
  onProgress?: (progress: AssemblyProgress) => void,
): Promise<AssembledPack> {
  const { plan } = request;
  const now = deps.clock ?? (() => new Date());
  const generatedAt = now();
  let firstCall = true;
  const clock = () => {
    if (firstCall) {
      firstCall = false;
      return generatedAt;
    }
    return now();
  };
  const whole = new Map(plan.ranges.map((r) => [r.stream, r.whole]));
  const collector = new ReportCollector({
    controlMap: deps.controlMap,
    now: generatedAt,
    isWhole: (stream) => whole.get(stream) ?? false,
  });
  const locks = deps.archive ? await LockFiles.create(deps.spoolDir) : undefined;
  const scope = formatScope(plan.scope);
  let records = 0;

  const files = async (contents: PackContents): Promise<PackFile[]> => {
    const lockFiles = locks ? await locks.finish() : [];
    const completeness = completenessStatement({
      scope,
      generatedAt: generatedAt.toISOString(),
      resolvedBy: plan.resolvedBy,
      streams: contents.streams as ManifestStream[],
      planned: plan.ranges,
    });
    const report = renderReport({
      packId: request.packId,
      scope,
      generatedAt: generatedAt.toISOString(),
      generator: deps.generator,
      key: { keyId: deps.signer.keyId, fingerprint: keyFingerprint(deps.publicKey) },
      records: contents.records,
      completeness,
      collected: collector.finish(),
      controlMap: deps.controlMap,
      ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
      ...(request.requestReference ? { requestReference: request.requestReference } : {}),
    });
    return [
      ...lockFiles,
      { path: COMPLETENESS_PATH, content: `${canonicalize(completeness)}\n` },
      { path: REPORT_PATH, content: report },
    ];
  };

  const writer = new PackWriter({
    publicKey: deps.publicKey,
    signer: deps.signer,
    scope,
    generator: deps.generator,
    clock,
    packId: request.packId,
    files,
    // Half the format's maximum per records file: the file is held whole before it is written.
    maxRecordsPerChunk: RECORDS_PER_FILE,
    extensions: [
      PACK_EXTENSIONS.segments,
      PACK_EXTENSIONS.completeness,
      PACK_EXTENSIONS.report,
      ...(deps.archive ? [PACK_EXTENSIONS.archiveLocks] : []),
    ],
  });

  async function* signedRecords(): AsyncGenerator<SignedRecord> {
    for await (const item of readRecords(plan, deps)) {
      collector.add(item.signed.record, item.lock);
      if (item.lock && locks) await locks.add(item.lock);
      records++;
      if (onProgress && (records % 1000 === 0 || records === plan.records)) {
        onProgress({ records, total: plan.records });
      }
      yield item.signed;
    }
  }

  try {
    const written = await writer.write(signedRecords(), output);
    return { ...written, records, generatedAt };
  } finally {
    await locks?.dispose();
  }
}

interface ReadRecord {
  readonly signed: SignedRecord;
  readonly lock?: ArchiveLockEntry;
}

/**
 * The plan's records in order, each with its archive state; HeadObject requests for the next
 * records are in flight while earlier ones are handed on (order is kept).
 */
async function* readRecords(plan: PackPlan, deps: AssemblyDeps): AsyncGenerator<ReadRecord> {
  const window = Math.max(1, deps.archiveConcurrency ?? 16);
  const inFlight: Array<{ signed: SignedRecord; lock?: Promise<ArchiveLockEntry> }> = [];
  const settle = async (): Promise<ReadRecord> => {
    const next = inFlight.shift() as (typeof inFlight)[number];
    return next.lock ? { signed: next.signed, lock: await next.lock } : { signed: next.signed };
  };
  try {
    for (const range of plan.ranges) {
      const versions = deps.archive
        ? new StreamVersions(deps.archive, range.stream, range.fromSeq)
        : undefined;
      let expected = range.fromSeq;
      for await (const line of deps.source.streamRange(range.stream, range.fromSeq, range.toSeq)) {
        if (line.seq !== expected) {
          throw new StreamGapError(
            `${range.stream} has no record at seq ${expected} in the event table (next found: ${line.seq}); the stream cannot be packed until the table is repaired`,
          );
        }
        expected++;
        const signed = JSON.parse(line.signed) as SignedRecord;
        let lock: Promise<ArchiveLockEntry> | undefined;
        if (versions && deps.archive) {
          const archive = deps.archive;
          const found = await versions.of(recordKey(range.stream, line.seq));
          lock = lockEntry(
            archive,
            { stream: range.stream, seq: line.seq },
            found,
            // The table holds each signed record in canonical form, the bytes of its pack line
            // and of its archived object.
            sha256Base64(line.signed),
          );
          lock.catch(() => undefined);
        }
        inFlight.push(lock ? { signed, lock } : { signed });
        if (inFlight.length >= window) yield await settle();
      }
      if (expected !== range.toSeq + 1) {
        throw new StreamGapError(
          `${range.stream} ends at seq ${expected - 1} in the event table, but seq ${range.toSeq} was planned; the stream cannot be packed until the table is repaired`,
        );
      }
    }
    while (inFlight.length > 0) yield await settle();
  } finally {
    inFlight.length = 0;
  }
}
