import type { Digest } from "../digest.ts";
import type { PackScope } from "./format.ts";

/**
 * Extensions of pack format v1. Each only adds files (listed and digested in the manifest like
 * any further file) or optional manifest members, so a v1 reader that does not know one still
 * verifies the pack; a reader that knows one checks it too. A pack names the extensions it uses
 * in `manifest.extensions`. docs/pack-format.md describes each.
 */
export const PACK_EXTENSIONS = {
  /** `archive-locks/NNNNNN.jsonl`: each record's archived S3 object, version and lock state. */
  archiveLocks: "archive-locks/v1",
  /** `firstPrev` on every stream that starts after seq 1. */
  segments: "segments/v1",
  /** `completeness.json`: what the pack proves complete, and what it does not. */
  completeness: "completeness/v1",
  /** `report.html`: the report for people. */
  report: "report/v1",
} as const;

export const REPORT_PATH = "report.html";
export const COMPLETENESS_PATH = "completeness.json";
export const ARCHIVE_LOCKS_PREFIX = "archive-locks/";

/** At most this many entries in one archive-locks file, like a records file. */
export const MAX_LOCK_ENTRIES_PER_FILE = 10_000;

const LOCKS_PATTERN = /^archive-locks\/([0-9]{6,})\.jsonl$/;

/** Path of the `index`-th archive-locks file (1-based): `archive-locks/000001.jsonl`. */
export function archiveLocksPath(index: number): string {
  return `${ARCHIVE_LOCKS_PREFIX}${String(index).padStart(6, "0")}.jsonl`;
}

/** The 1-based index of an archive-locks file path, or undefined for any other path. */
export function archiveLocksIndex(path: string): number | undefined {
  const match = LOCKS_PATTERN.exec(path);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Object Lock modes S3 reports. */
export type ArchiveLockMode = "COMPLIANCE" | "GOVERNANCE";

/**
 * Whether the archived object holds exactly the record line of the pack (SHA-256 of the object,
 * as S3 stored it, against SHA-256 of the line without its newline).
 */
export type ArchiveCopy = "identical" | "different" | "unchecked";

/**
 * One line of an archive-locks file: where a record's archived copy is and how S3 protects it,
 * read back with HeadObject when the pack was made. Lines follow the records' order exactly.
 */
export interface ArchiveLockEntry {
  readonly stream: string;
  readonly seq: number;
  /** Object key in the evidence bucket. */
  readonly key: string;
  /** False when the bucket holds no object for the record (yet). */
  readonly archived: boolean;
  /** How many versions the key has; more than one means something wrote to it again. */
  readonly versions: number;
  /** The version the record is read from: the one whose content is the record, else the oldest. */
  readonly versionId?: string;
  readonly lockMode?: ArchiveLockMode;
  /** Object Lock retain-until date of that version (RFC 3339). */
  readonly retainUntil?: string;
  readonly legalHold: boolean;
  readonly copy: ArchiveCopy;
}

const isText = (value: unknown) => typeof value === "string" && value.length > 0;

/** Why `value` is not an archive-locks line, or undefined when it is one. */
export function archiveLockEntryError(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "expected an object";
  }
  const entry = value as Record<string, unknown>;
  if (!isText(entry.stream)) return "stream: expected a non-empty string";
  if (!Number.isSafeInteger(entry.seq) || (entry.seq as number) < 1) {
    return "seq: expected a seq (1 or more)";
  }
  if (!isText(entry.key)) return "key: expected a non-empty string";
  if (typeof entry.archived !== "boolean") return "archived: expected true or false";
  if (!Number.isSafeInteger(entry.versions) || (entry.versions as number) < 0) {
    return "versions: expected a whole number";
  }
  if (entry.versionId !== undefined && !isText(entry.versionId)) {
    return "versionId: expected a non-empty string";
  }
  if (
    entry.lockMode !== undefined &&
    entry.lockMode !== "COMPLIANCE" &&
    entry.lockMode !== "GOVERNANCE"
  ) {
    return 'lockMode: expected "COMPLIANCE" or "GOVERNANCE"';
  }
  if (
    entry.retainUntil !== undefined &&
    (typeof entry.retainUntil !== "string" || Number.isNaN(Date.parse(entry.retainUntil)))
  ) {
    return "retainUntil: expected an RFC 3339 time";
  }
  if (typeof entry.legalHold !== "boolean") return "legalHold: expected true or false";
  if (entry.copy !== "identical" && entry.copy !== "different" && entry.copy !== "unchecked") {
    return 'copy: expected "identical", "different" or "unchecked"';
  }
  if (entry.archived === true && (entry.versions as number) < 1) {
    return "versions: an archived record has at least one version";
  }
  return undefined;
}

/** How a stream is held in a pack, for completeness.json. */
export interface CompletenessStream {
  readonly stream: string;
  readonly firstSeq: number;
  readonly headSeq: number;
  /** True when the pack holds the stream from seq 1 to its head at generation time. */
  readonly whole: boolean;
  /** The digest the stream's first record links to (the genesis digest for a whole stream). */
  readonly firstPrev: Digest;
}

/** completeness.json: a plain statement of what the pack proves complete, and what it does not. */
export interface Completeness {
  readonly extension: typeof PACK_EXTENSIONS.completeness;
  readonly scope: PackScope;
  readonly generatedAt: string;
  /** How the streams were found (an index lookup, the scope itself). */
  readonly resolvedBy: string;
  readonly streams: readonly CompletenessStream[];
  /** What the signatures and chains prove, sentence by sentence. */
  readonly proven: readonly string[];
  /** What they do not prove, sentence by sentence. */
  readonly notProven: readonly string[];
}
