import type { StoredRecord } from "../adapters/event-store.ts";
import { type ArchiveDeps, archiveRecord, RECORDS_PREFIX, recordKey } from "./archive.ts";

/** What a reconcile run found and did. */
export interface ReconcileReport {
  /** Records in the event table. */
  readonly records: number;
  /** Records whose object was already in the bucket. */
  readonly present: number;
  /** Keys written by this run (records missing from the bucket). */
  readonly archived: readonly string[];
  /** Keys whose object differs from the record (left untouched; investigate). */
  readonly mismatched: readonly string[];
  /** Objects under records/ with no record in the table. */
  readonly orphans: readonly string[];
}

/** What reconcile reads: the table's records and the bucket's keys. */
export interface ReconcileSources {
  records(): AsyncIterable<StoredRecord>;
  archivedKeys(prefix: string): AsyncIterable<string>;
}

/**
 * Compares the event table with the evidence bucket and archives every record that is missing
 * (the DynamoDB stream keeps changes 24 hours; the table is the source of truth). Never
 * rewrites an object that is present.
 */
export async function reconcileArchive(
  sources: ReconcileSources,
  deps: ArchiveDeps,
  onProgress?: (done: number) => void,
): Promise<ReconcileReport> {
  const inBucket = new Set<string>();
  for await (const key of sources.archivedKeys(RECORDS_PREFIX)) inBucket.add(key);
  let records = 0;
  let present = 0;
  const archived: string[] = [];
  const mismatched: string[] = [];
  const seen = new Set<string>();
  for await (const record of sources.records()) {
    records++;
    const key = recordKey(record.stream, record.seq);
    seen.add(key);
    if (inBucket.has(key)) {
      present++;
    } else {
      try {
        const outcome = await archiveRecord(record, deps);
        if (outcome === "archived") archived.push(key);
        else present++;
      } catch (error) {
        if ((error as Error).name !== "ArchiveMismatchError") throw error;
        mismatched.push(key);
      }
    }
    if (records % 100 === 0) onProgress?.(records);
  }
  const orphans = [...inBucket].filter((key) => !seen.has(key)).sort();
  archived.sort();
  return { records, present, archived, mismatched, orphans };
}
