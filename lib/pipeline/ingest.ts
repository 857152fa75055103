import { setTimeout as sleep } from "node:timers/promises";
import type { LockMode } from "../adapters/archive-store.ts";
import type { AppendOutcome, EventMarker, RecordItem } from "../adapters/event-store.ts";
import { canonicalize } from "../core/canonical/index.ts";
import { type Digest, sha256Digest } from "../core/digest.ts";
import {
  buildRecord,
  eventDigest,
  type StreamHead,
  signRecord,
  streamFor,
} from "../core/records/index.ts";
import type { SignedRecord } from "../core/records/types.ts";
import type { KeyedSigner } from "../core/signing/keys.ts";
import { recordStatementBytes } from "../core/statement/index.ts";
import {
  type AcceptedEvent,
  checkDelivery,
  type DeliveryEnvelope,
  type DeliveryOptions,
  type QuarantineReason,
  type ValidateEvent,
} from "./delivery.ts";
import { type QuarantineStore, quarantineDocument, quarantineKey } from "./quarantine.ts";
import type { PipelineLogger, PipelineMetrics } from "./telemetry.ts";

/** The event table as ingest uses it (see DynamoEventStore). */
export interface IngestEventStore {
  readHead(stream: string): Promise<StreamHead | undefined>;
  getEventMarker(eventId: string): Promise<EventMarker | undefined>;
  getRecord(stream: string, seq: number): Promise<{ readonly signed: string } | undefined>;
  append(record: RecordItem, eventDigest: Digest): Promise<AppendOutcome>;
  recordAbandonedSignature(signature: {
    requestId: string;
    keyId: string;
    statementDigest: Digest;
    stream: string;
    seq: number;
    eventId: string;
    signedAt: string;
    reason: string;
  }): Promise<void>;
}

/** Everything ingest needs, injected. */
export interface IngestDeps {
  readonly store: IngestEventStore;
  readonly quarantine: QuarantineStore;
  readonly signer: KeyedSigner;
  readonly validate: ValidateEvent;
  readonly logger: PipelineLogger;
  readonly metrics: PipelineMetrics;
  /** Lock of quarantined messages. */
  readonly quarantineLock: { readonly mode: LockMode; readonly days: number };
  readonly clock?: () => Date;
  /** See {@link DeliveryOptions.accountWhenMissing}: the local plane only. */
  readonly accountWhenMissing?: string;
  /**
   * Times ingest rebuilds and re-signs after losing the race for a seq before giving the message
   * back to the queue.
   * @default 8
   */
  readonly maxAppendAttempts?: number;
}

/** One delivered message: an SQS record's body and id. */
export interface IngestMessage {
  readonly messageId: string;
  readonly body: string;
}

/** What became of a message. */
export type IngestOutcome =
  | {
      readonly kind: "recorded";
      readonly eventId: string;
      readonly stream: string;
      readonly seq: number;
    }
  | {
      readonly kind: "duplicate";
      readonly eventId: string;
      readonly stream: string;
      readonly seq: number;
    }
  | {
      readonly kind: "quarantined";
      readonly key: string;
      readonly reasons: readonly QuarantineReason[];
      /** False when a redelivery found the message already quarantined. */
      readonly written: boolean;
    };

/** Raised when every attempt to take the next seq lost to another writer; the queue retries. */
export class AppendContentionError extends Error {
  override readonly name = "AppendContentionError";
}

/**
 * Ingests one message: checks it, then records it exactly once, or quarantines it with its
 * reasons. Throws only on infrastructure failures, so the message goes back to the queue.
 */
export async function ingestMessage(
  message: IngestMessage,
  deps: IngestDeps,
): Promise<IngestOutcome> {
  const clock = deps.clock ?? (() => new Date());
  deps.metrics.addMetric("EventsReceived", "Count", 1);
  const check = checkDelivery(
    message.body,
    deps.validate,
    deps.accountWhenMissing === undefined ? {} : { accountWhenMissing: deps.accountWhenMissing },
  );
  if (!check.ok) {
    return quarantine(message, check.reasons, check.envelope, deps, clock);
  }
  const { event, envelope } = check;
  const digest = eventDigest(event);

  const known = await deps.store.getEventMarker(event.id);
  if (known) return onKnownEvent(known, digest, message, envelope, deps, clock);

  const stream = streamFor(event);
  const maxAttempts = deps.maxAppendAttempts ?? 8;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const head = await deps.store.readHead(stream);
    const receivedAt = clock();
    const built = buildRecord({
      event,
      head,
      receivedAt,
      sourceAccount: envelope.account,
      source: envelope.source,
    });
    const signed = await signRecord(built.record, deps.signer, clock(), built.digest);
    const item = recordItem(event, signed, built.digest);
    const outcome = await deps.store.append(item, digest);
    if (outcome.kind === "appended" || (await isOwnWrite(outcome, item, deps.store))) {
      deps.metrics.addMetric("EventsRecorded", "Count", 1);
      deps.logger.info("event recorded", {
        eventId: event.id,
        eventType: event.type,
        stream: built.record.stream,
        seq: built.record.seq,
        sourceAccount: envelope.account,
      });
      return {
        kind: "recorded",
        eventId: event.id,
        stream: built.record.stream,
        seq: built.record.seq,
      };
    }
    await keepAbandonedSignature(signed, built.digest, event.id, outcome.kind, deps);
    if (outcome.kind === "event-known") {
      return onKnownEvent(outcome.marker, digest, message, envelope, deps, clock);
    }
    deps.metrics.addMetric("SeqConflicts", "Count", 1);
    deps.logger.debug("seq taken by another writer; rebuilding", {
      eventId: event.id,
      stream: built.record.stream,
      seq: built.record.seq,
      attempt,
    });
    await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt));
  }
  throw new AppendContentionError(
    `event ${event.id} lost the race for the next seq ${maxAttempts} times; it stays on the queue and is retried`,
  );
}

/**
 * True when the transaction was refused only because an earlier attempt of this same call had
 * succeeded (a retry after a lost response): the table holds exactly this signed record.
 */
async function isOwnWrite(
  outcome: AppendOutcome,
  item: RecordItem,
  store: IngestEventStore,
): Promise<boolean> {
  if (outcome.kind !== "event-known") return false;
  if (outcome.marker.stream !== item.stream || outcome.marker.seq !== item.seq) return false;
  const stored = await store.getRecord(item.stream, item.seq);
  return stored?.signed === item.signed;
}

async function onKnownEvent(
  known: EventMarker,
  digest: Digest,
  message: IngestMessage,
  envelope: DeliveryEnvelope,
  deps: IngestDeps,
  clock: () => Date,
): Promise<IngestOutcome> {
  if (known.eventDigest === digest) {
    deps.metrics.addMetric("EventsDuplicate", "Count", 1);
    deps.logger.info("duplicate delivery ignored", {
      eventId: known.eventId,
      stream: known.stream,
      seq: known.seq,
    });
    return { kind: "duplicate", eventId: known.eventId, stream: known.stream, seq: known.seq };
  }
  return quarantine(
    message,
    [
      {
        code: "conflicting-duplicate",
        path: "$.detail.id",
        expected: `the content recorded under this id (event digest ${known.eventDigest})`,
        found: `different content (event digest ${digest})`,
        message: `event id ${JSON.stringify(known.eventId)} is already recorded (${known.stream} seq ${known.seq}) with different content; give a changed event a new id`,
      },
    ],
    envelope,
    deps,
    clock,
  );
}

async function quarantine(
  message: IngestMessage,
  reasons: readonly QuarantineReason[],
  envelope: DeliveryEnvelope | undefined,
  deps: IngestDeps,
  clock: () => Date,
): Promise<IngestOutcome> {
  const receivedAt = clock();
  const key = quarantineKey(message.body);
  const { bytes } = quarantineDocument({
    body: message.body,
    reasons,
    receivedAt,
    messageId: message.messageId,
    ...(envelope ? { envelope } : {}),
  });
  const written = await deps.quarantine.writeOnce({
    key,
    body: bytes,
    lockMode: deps.quarantineLock.mode,
    retainUntil: new Date(receivedAt.getTime() + deps.quarantineLock.days * 86_400_000),
  });
  if (written) deps.metrics.addMetric("EventsQuarantined", "Count", 1);
  deps.logger.warn("event quarantined", {
    messageId: message.messageId,
    key,
    reasons: reasons.map((reason) => `${reason.code} at ${reason.path}`),
    ...(envelope ? { sourceAccount: envelope.account, source: envelope.source } : {}),
  });
  return { kind: "quarantined", key, reasons, written };
}

/** The table item of a signed record, with the attributes its lookups use. */
export function recordItem(event: AcceptedEvent, signed: SignedRecord, digest: Digest): RecordItem {
  const { record, signature } = signed;
  const subject = event.subject ?? {};
  return {
    stream: record.stream,
    seq: record.seq,
    digest,
    receivedAt: record.receivedAt,
    eventId: event.id,
    eventType: event.type,
    signed: canonicalize(signed),
    ...(signature.requestId ? { kmsRequestId: signature.requestId } : {}),
    ...(subject.releaseId ? { releaseId: subject.releaseId } : {}),
    ...(subject.commit ? { commit: subject.commit } : {}),
    ...(subject.artifactDigest ? { artifactDigest: subject.artifactDigest } : {}),
  };
}

/** Digest of the statement a signature covers, recomputed from the signed record. */
export function statementDigest(signed: SignedRecord, digest: Digest): Digest {
  return sha256Digest(
    recordStatementBytes({
      digest,
      stream: signed.record.stream,
      seq: signed.record.seq,
      time: signed.signature.signedAt,
      keyId: signed.signature.keyId,
    }),
  );
}

async function keepAbandonedSignature(
  signed: SignedRecord,
  digest: Digest,
  eventId: string,
  reason: "seq-taken" | "event-known",
  deps: IngestDeps,
): Promise<void> {
  const statement = statementDigest(signed, digest);
  await deps.store.recordAbandonedSignature({
    // A signer without request ids (a local key) is identified by what it signed.
    requestId: signed.signature.requestId ?? statement,
    keyId: signed.signature.keyId,
    statementDigest: statement,
    stream: signed.record.stream,
    seq: signed.record.seq,
    eventId,
    signedAt: signed.signature.signedAt,
    reason,
  });
  deps.metrics.addMetric("SignaturesAbandoned", "Count", 1);
}
