import type { S3EvidenceArchive } from "../adapters/archive-store.ts";
import type { DynamoEventStore } from "../adapters/event-store.ts";
import type { QueueDepth, SqsQueue } from "../adapters/queue.ts";
import { QUARANTINE_PREFIX } from "../config/layout.ts";
import { RECORDS_PREFIX } from "../pipeline/archive.ts";

/** Where every received event is, read from the plane's durable state. */
export interface PlaneStatus {
  /** Records in the event table. */
  readonly recorded: number;
  /** Refused messages kept under quarantine/. */
  readonly quarantined: number;
  /** Record objects under records/ in the evidence bucket. */
  readonly archived: number;
  /** Messages not yet ingested. */
  readonly pending: QueueDepth;
  /** Messages that failed maxReceiveCount times (alarm in AWS). */
  readonly deadLettered: QueueDepth;
  /** Records the stream mapping gave up on (reconcile archives them). */
  readonly archiveFailures: QueueDepth;
}

/** The parts of a plane the status reads. */
export interface StatusSources {
  readonly store: DynamoEventStore;
  readonly bucket: S3EvidenceArchive;
  readonly ingestQueue: SqsQueue;
  readonly ingestDlq: SqsQueue;
  readonly archiveFailures: SqsQueue;
}

/**
 * Counts what the plane holds. Every distinct event put on the bus ends up recorded,
 * quarantined, pending or dead-lettered, so received = recorded + quarantined once the queues
 * are empty.
 */
export async function planeStatus(sources: StatusSources): Promise<PlaneStatus> {
  const [recorded, quarantined, archived, pending, deadLettered, archiveFailures] =
    await Promise.all([
      sources.store.countRecords(),
      sources.bucket.count(QUARANTINE_PREFIX),
      sources.bucket.count(RECORDS_PREFIX),
      sources.ingestQueue.depth(),
      sources.ingestDlq.depth(),
      sources.archiveFailures.depth(),
    ]);
  return { recorded, quarantined, archived, pending, deadLettered, archiveFailures };
}

/** Messages a queue still holds, visible or not. */
export function queued(depth: QueueDepth): number {
  return depth.visible + depth.inFlight + depth.delayed;
}
