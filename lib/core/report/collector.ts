import type { ControlMap } from "../controls/index.ts";
import type { ArchiveLockEntry } from "../pack/extensions.ts";
import { RELEASE_STREAM_PREFIX } from "../records/stream.ts";
import type { EvidenceRecord } from "../records/types.ts";
import { evaluateRelease, type ReleaseEvaluation } from "./evaluate.ts";
import {
  addExceptionRecord,
  addReleaseRecord,
  type ExceptionFact,
  emptyReleaseFacts,
  type ReleaseFacts,
} from "./facts.ts";

/** How a stream's records are held in S3, summed from its archive-locks entries. */
export interface ArchiveSummary {
  entries: number;
  archived: number;
  compliance: number;
  governance: number;
  legalHold: number;
  identical: number;
  different: number;
  /** Keys with more than one version. */
  rewritten: number;
  earliestRetainUntil?: string;
  latestRetainUntil?: string;
  /** Locked versions whose retain-until date had passed when the pack was made. */
  retentionPassed: number;
}

/** One stream of the pack, summarized. */
export interface StreamSummary {
  readonly stream: string;
  firstSeq: number;
  headSeq: number;
  records: number;
  /** True when the pack holds the stream from seq 1 to its head when the pack was made. */
  whole: boolean;
  readonly types: Map<string, number>;
  readonly archive: ArchiveSummary;
}

/** A release of the pack: its evaluation, and its facts when it is among the detailed ones. */
export interface ReleaseReport {
  readonly releaseId: string;
  readonly stream: string;
  readonly service?: string;
  readonly records: number;
  readonly firstSeq: number;
  readonly headSeq: number;
  readonly whole: boolean;
  readonly evaluation: ReleaseEvaluation;
  readonly facts?: ReleaseFacts;
}

/** A record whose archived copy needs attention. */
export interface ArchiveGap {
  readonly stream: string;
  readonly seq: number;
  readonly key: string;
  readonly problem: string;
}

export interface CollectedFacts {
  readonly streams: readonly StreamSummary[];
  readonly releases: readonly ReleaseReport[];
  readonly exceptions: readonly ExceptionFact[];
  readonly archiveGaps: readonly ArchiveGap[];
  /** Archive gaps found beyond those kept. */
  readonly archiveGapsOmitted: number;
  /** True when the pack carried archive-locks entries. */
  readonly archiveChecked: boolean;
}

export interface CollectorOptions {
  readonly controlMap: ControlMap;
  /** When the pack is made: exceptions open or expired, retention passed. */
  readonly now: Date;
  /** Whether the pack holds `stream` whole (from seq 1 to its head). @default firstSeq === 1 */
  readonly isWhole?: (stream: string, firstSeq: number) => boolean;
  /** Releases whose facts are kept for the detailed sections. @default 50 */
  readonly maxDetailedReleases?: number;
  /** @default 100 */
  readonly maxArchiveGaps?: number;
  /** @default 10,000 */
  readonly maxExceptions?: number;
}

const EXCEPTIONS_STREAM = "control/exceptions";
const MAX_TYPES_PER_STREAM = 64;

/**
 * Collects what a report says about a pack, record by record in archive order, in memory that
 * does not grow with the number of records: each release is evaluated when its stream ends (the
 * assembler puts the exceptions stream first, so waivers are known by then), and only the first
 * releases keep their facts for the detailed sections.
 */
export class ReportCollector {
  private readonly options: CollectorOptions;
  private readonly streams: StreamSummary[] = [];
  private readonly releases: ReleaseReport[] = [];
  private readonly exceptions = new Map<string, ExceptionFact>();
  private readonly gaps: ArchiveGap[] = [];
  private gapsOmitted = 0;
  private archiveChecked = false;
  private current: StreamSummary | undefined;
  private release: ReleaseFacts | undefined;

  constructor(options: CollectorOptions) {
    this.options = options;
  }

  /** Adds the next record of the pack, with its archive state when known. */
  add(record: EvidenceRecord, lock?: ArchiveLockEntry): void {
    if (this.current?.stream !== record.stream) this.startStream(record);
    const summary = this.current as StreamSummary;
    summary.records++;
    summary.headSeq = record.seq;
    const type = typeof record.event.type === "string" ? record.event.type : "?";
    if (summary.types.has(type) || summary.types.size < MAX_TYPES_PER_STREAM) {
      summary.types.set(type, (summary.types.get(type) ?? 0) + 1);
    }
    if (this.release) addReleaseRecord(this.release, record);
    else if (record.stream === EXCEPTIONS_STREAM) {
      addExceptionRecord(this.exceptions, record, this.options.maxExceptions ?? 10_000);
    }
    if (lock) this.addLock(summary, lock);
  }

  /** Ends the last stream and returns everything collected. */
  finish(): CollectedFacts {
    this.endStream();
    return {
      streams: this.streams,
      releases: this.releases,
      exceptions: [...this.exceptions.values()],
      archiveGaps: this.gaps,
      archiveGapsOmitted: this.gapsOmitted,
      archiveChecked: this.archiveChecked,
    };
  }

  private startStream(record: EvidenceRecord): void {
    this.endStream();
    const whole = this.options.isWhole?.(record.stream, record.seq) ?? record.seq === 1;
    const summary: StreamSummary = {
      stream: record.stream,
      firstSeq: record.seq,
      headSeq: record.seq,
      records: 0,
      whole,
      types: new Map(),
      archive: {
        entries: 0,
        archived: 0,
        compliance: 0,
        governance: 0,
        legalHold: 0,
        identical: 0,
        different: 0,
        rewritten: 0,
        retentionPassed: 0,
      },
    };
    this.streams.push(summary);
    this.current = summary;
    if (record.stream.startsWith(RELEASE_STREAM_PREFIX)) {
      const releaseId = record.stream.slice(RELEASE_STREAM_PREFIX.length);
      this.release = emptyReleaseFacts(releaseId, record.stream, record.seq);
    }
  }

  private endStream(): void {
    const facts = this.release;
    const summary = this.current;
    this.release = undefined;
    if (!facts || !summary) return;
    const evaluation = evaluateRelease(facts, this.options.controlMap, this.exceptions, {
      whole: summary.whole,
      now: this.options.now.toISOString(),
    });
    const detailed = this.releases.length < (this.options.maxDetailedReleases ?? 50);
    this.releases.push({
      releaseId: facts.releaseId,
      stream: facts.stream,
      ...(facts.service ? { service: facts.service } : {}),
      records: facts.records,
      firstSeq: facts.firstSeq,
      headSeq: facts.headSeq,
      whole: summary.whole,
      evaluation: detailed
        ? evaluation
        : {
            category: evaluation.category,
            // Beyond the detailed releases only statuses are kept, not the findings.
            results: evaluation.results.map((r) => ({ ...r, details: [], refs: [] })),
          },
      ...(detailed ? { facts } : {}),
    });
  }

  private addLock(summary: StreamSummary, lock: ArchiveLockEntry): void {
    this.archiveChecked = true;
    const archive = summary.archive;
    archive.entries++;
    const problems: string[] = [];
    if (!lock.archived) {
      problems.push("not archived");
    } else {
      archive.archived++;
      if (lock.lockMode === "COMPLIANCE") archive.compliance++;
      else if (lock.lockMode === "GOVERNANCE") archive.governance++;
      else problems.push("archived without an Object Lock retention");
      if (lock.retainUntil) {
        if (!archive.earliestRetainUntil || lock.retainUntil < archive.earliestRetainUntil) {
          archive.earliestRetainUntil = lock.retainUntil;
        }
        if (!archive.latestRetainUntil || lock.retainUntil > archive.latestRetainUntil) {
          archive.latestRetainUntil = lock.retainUntil;
        }
        if (Date.parse(lock.retainUntil) <= this.options.now.getTime()) {
          archive.retentionPassed++;
          if (!lock.legalHold) problems.push("retention has passed and no legal hold keeps it");
        }
      }
      if (lock.copy === "identical") archive.identical++;
      else if (lock.copy === "different") {
        archive.different++;
        problems.push("the archived copy differs from the record");
      }
      if (lock.versions > 1) {
        archive.rewritten++;
        problems.push(`${lock.versions} versions at the key: something wrote to it again`);
      }
    }
    if (lock.legalHold) archive.legalHold++;
    if (problems.length === 0) return;
    const max = this.options.maxArchiveGaps ?? 100;
    if (this.gaps.length >= max) {
      this.gapsOmitted++;
      return;
    }
    this.gaps.push({
      stream: lock.stream,
      seq: lock.seq,
      key: lock.key,
      problem: problems.join("; "),
    });
  }
}
