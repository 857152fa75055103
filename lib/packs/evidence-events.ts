import type { BusEntry } from "../adapters/bus.ts";
import type { JsonObject } from "../core/canonical/index.ts";
import type { LegalHoldScope } from "../core/events/index.ts";
import type { RequestScope } from "./scope.ts";

/** The EventBridge source of the evidence the pack service records about itself. */
export const PACK_SERVICE_SOURCE = "evidence.pack-service";

/** Puts evidence events on the evidence bus (the normal ingest path). */
export interface EvidenceRecorder {
  put(entries: readonly BusEntry[]): Promise<unknown>;
}

/** The catalogue's specVersion (lib/core/events/envelope.ts); a unit test keeps them equal. */
export const EVENT_SPEC_VERSION = "1.0";

/**
 * The bus entry of an event. The ingest validates it like any producer's (an invalid one would
 * be quarantined with its reasons, never lost); unit tests check every event built here against
 * the catalogue, so the pack functions need not load the validator.
 */
function entry(event: JsonObject): BusEntry {
  return {
    source: PACK_SERVICE_SOURCE,
    detailType: String(event.type),
    detail: JSON.stringify(event),
  };
}

/** An event id from parts, kept to the catalogue's 128 characters of `A-Z a-z 0-9 . _ : -`. */
function eventId(...parts: string[]): string {
  return parts
    .join(":")
    .replace(/[^A-Za-z0-9._:-]/g, "-")
    .slice(0, 128);
}

function principal(arn: string): { id: string; issuer: string } {
  return { id: arn.slice(0, 256), issuer: "aws:iam" };
}

/** Milliseconds since the epoch, for ids unique per occurrence. */
function stamp(at: Date): string {
  return String(at.getTime());
}

/**
 * pack.generated: who asked (the IAM principal of the API request), for what, and the digest of
 * the pack file that answers it. Its id names the pack and its digest, so a redelivery records
 * it once and a second assembly of the same request is a second event.
 */
export function packGeneratedEntry(input: {
  readonly packId: string;
  readonly scope: RequestScope;
  readonly packDigest: string;
  readonly records: number;
  readonly requestedBy: string;
  readonly requestReference?: string;
  readonly generatedAt: Date;
  /** The assembler (its function ARN). */
  readonly actor: string;
}): BusEntry {
  const service = input.scope.kind === "window" ? input.scope.service : undefined;
  return entry({
    id: eventId("pack", input.packId, input.packDigest.slice(7, 23)),
    type: "pack.generated",
    specVersion: EVENT_SPEC_VERSION,
    occurredAt: input.generatedAt.toISOString(),
    subject: service ? { service } : {},
    actor: { kind: "workload", ...principal(input.actor) },
    data: {
      packId: input.packId,
      scope: input.scope as unknown as JsonObject,
      packDigest: input.packDigest,
      recordCount: input.records,
      requestedBy: principal(input.requestedBy),
      ...(input.requestReference ? { requestReference: input.requestReference } : {}),
    },
  });
}

/** legal-hold.applied: the case, why, what it covers and who placed it. */
export function holdAppliedEntry(input: {
  readonly caseId: string;
  readonly reason: string;
  readonly scope: LegalHoldScope;
  readonly appliedBy: string;
  readonly at: Date;
}): BusEntry {
  return entry({
    id: eventId("legal", input.caseId, "applied", stamp(input.at)),
    type: "legal-hold.applied",
    specVersion: EVENT_SPEC_VERSION,
    occurredAt: input.at.toISOString(),
    subject:
      input.scope.kind === "window" && input.scope.service ? { service: input.scope.service } : {},
    actor: { kind: "human", ...principal(input.appliedBy) },
    data: {
      caseId: input.caseId,
      reason: input.reason,
      scope: input.scope as unknown as JsonObject,
      appliedBy: principal(input.appliedBy),
    },
  });
}

/** legal-hold.released: the case, why, and who lifted it (never the one who placed it). */
export function holdReleasedEntry(input: {
  readonly caseId: string;
  readonly reason: string;
  readonly scope: LegalHoldScope;
  readonly releasedBy: string;
  readonly at: Date;
}): BusEntry {
  return entry({
    id: eventId("legal", input.caseId, "released", stamp(input.at)),
    type: "legal-hold.released",
    specVersion: EVENT_SPEC_VERSION,
    occurredAt: input.at.toISOString(),
    subject:
      input.scope.kind === "window" && input.scope.service ? { service: input.scope.service } : {},
    actor: { kind: "human", ...principal(input.releasedBy) },
    data: {
      caseId: input.caseId,
      reason: input.reason,
      scope: input.scope as unknown as JsonObject,
      releasedBy: principal(input.releasedBy),
    },
  });
}
