import { EVIDENCE_SOURCE_PREFIX } from "../config/layout.ts";
import { CanonicalInputError, type JsonObject, strictParse } from "../core/canonical/index.ts";

/** Why a delivered message was quarantined instead of recorded. */
export type QuarantineCode =
  | "oversized"
  | "malformed-json"
  | "duplicate-key"
  | "lone-surrogate"
  | "unsafe-integer"
  | "too-deep"
  | "invalid-utf8"
  | "not-an-eventbridge-event"
  | "wrong-source"
  | "detail-type-mismatch"
  | "invalid-event"
  | "conflicting-duplicate";

/** One reason, with where (JSON path), what was expected and what was found. */
export interface QuarantineReason {
  readonly code: QuarantineCode;
  readonly path: string;
  readonly expected?: string;
  readonly found?: string;
  readonly message: string;
}

/** The EventBridge envelope fields the pipeline uses. */
export interface DeliveryEnvelope {
  /** EventBridge's id of this put (not the producer's event id). */
  readonly id: string;
  /** The account that put the event, set by EventBridge: the record's provenance. */
  readonly account: string;
  readonly source: string;
  readonly detailType: string;
  readonly time: string;
}

/** What the event catalogue's validator returns. */
export type EventValidation =
  | { readonly valid: true; readonly event: unknown }
  | {
      readonly valid: false;
      readonly issues: ReadonlyArray<{
        readonly path: string;
        readonly expected: string;
        readonly found: string;
        readonly message: string;
      }>;
    };

/** The event catalogue's validator, injected so the pipeline stays testable. */
export type ValidateEvent = (input: unknown) => EventValidation;

/** An accepted event: what the pipeline needs from it. */
export interface AcceptedEvent {
  readonly id: string;
  readonly type: string;
  readonly subject?: {
    readonly releaseId?: string;
    readonly commit?: string;
    readonly artifactDigest?: string;
  };
}

/** The outcome of checking one delivered message. */
export type DeliveryCheck =
  | {
      readonly ok: true;
      readonly envelope: DeliveryEnvelope;
      readonly event: AcceptedEvent & JsonObject;
    }
  | {
      readonly ok: false;
      readonly envelope?: DeliveryEnvelope;
      readonly reasons: readonly QuarantineReason[];
    };

/** How strictly the envelope is read. */
export interface DeliveryOptions {
  /**
   * Account to assume when the envelope has no `account`. EventBridge always sets it; the local
   * emulator leaves it out, so only the local plane sets this (to the emulator's one account).
   * Unset, an envelope without an account is quarantined.
   */
  readonly accountWhenMissing?: string;
}

/**
 * Largest message body accepted. A record item holds the event, its record and signature, and
 * DynamoDB items stop at 400 KB; 256 KiB leaves room and matches what producers were held to
 * before EventBridge raised its entry limit.
 */
export const MAX_MESSAGE_BYTES = 256 * 1024;

const ACCOUNT_PATTERN = /^[0-9]{12}$/;
const MAX_FOUND_CHARS = 120;

/**
 * Checks one SQS message body holding an EventBridge event. The body is parsed strictly from its
 * raw text (duplicate keys, lone surrogates and integers beyond 2^53 are refused, never
 * silently changed), the envelope is checked (source `evidence.*`, detail-type equal to the
 * event type), and `detail` is validated against the event catalogue. Pure: no I/O.
 */
export function checkDelivery(
  body: string,
  validate: ValidateEvent,
  options: DeliveryOptions = {},
): DeliveryCheck {
  const size = Buffer.byteLength(body, "utf8");
  if (size > MAX_MESSAGE_BYTES) {
    return reject({
      code: "oversized",
      path: "$",
      expected: `at most ${MAX_MESSAGE_BYTES} bytes`,
      found: `${size} bytes`,
      message:
        "the event is too large; keep large content (logs, SBOM documents) in S3 and send its digest",
    });
  }
  let parsed: unknown;
  try {
    parsed = strictParse(body);
  } catch (error) {
    if (!(error instanceof CanonicalInputError)) throw error;
    const code: QuarantineCode =
      error.code === "syntax" || error.code === "not-json" || error.code === "non-finite-number"
        ? "malformed-json"
        : error.code;
    return reject({ code, path: error.path, message: error.message });
  }
  const envelope = readEnvelope(parsed, options);
  if (!envelope.ok) return reject(envelope.reason);
  const { value, detail } = envelope;
  if (!value.source.startsWith(EVIDENCE_SOURCE_PREFIX)) {
    return reject(
      {
        code: "wrong-source",
        path: "source",
        expected: `a source starting with "${EVIDENCE_SOURCE_PREFIX}"`,
        found: shorten(value.source),
        message: "only evidence producers may put events on the evidence bus",
      },
      value,
    );
  }
  const validation = validate(detail);
  if (!validation.valid) {
    return {
      ok: false,
      envelope: value,
      reasons: validation.issues.map((issue) => ({
        code: "invalid-event" as const,
        path: issue.path,
        expected: issue.expected,
        found: bound(issue.found),
        message: issue.message,
      })),
    };
  }
  const event = validation.event as AcceptedEvent & JsonObject;
  if (event.type !== value.detailType) {
    return reject(
      {
        code: "detail-type-mismatch",
        path: "detail-type",
        expected: shorten(event.type),
        found: shorten(value.detailType),
        message: "DetailType must equal the event's type",
      },
      value,
    );
  }
  return { ok: true, envelope: value, event };
}

function reject(reason: QuarantineReason, envelope?: DeliveryEnvelope): DeliveryCheck {
  return envelope ? { ok: false, envelope, reasons: [reason] } : { ok: false, reasons: [reason] };
}

function readEnvelope(
  parsed: unknown,
  options: DeliveryOptions,
):
  | { ok: true; value: DeliveryEnvelope; detail: unknown }
  | { ok: false; reason: QuarantineReason } {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return {
      ok: false,
      reason: {
        code: "not-an-eventbridge-event",
        path: "$",
        expected: "an EventBridge event object",
        found: describe(parsed),
        message: "the message is not an EventBridge event; put events through the evidence bus",
      },
    };
  }
  const fields = parsed as Record<string, unknown>;
  if (fields.account === undefined && options.accountWhenMissing !== undefined) {
    fields.account = options.accountWhenMissing;
  }
  for (const name of ["id", "account", "source", "detail-type", "time"] as const) {
    if (typeof fields[name] !== "string") {
      return {
        ok: false,
        reason: {
          code: "not-an-eventbridge-event",
          path: name,
          expected: "a string",
          found: describe(fields[name]),
          message: `the EventBridge field "${name}" is missing; put events through the evidence bus`,
        },
      };
    }
  }
  const account = fields.account as string;
  if (!ACCOUNT_PATTERN.test(account)) {
    return {
      ok: false,
      reason: {
        code: "not-an-eventbridge-event",
        path: "account",
        expected: "a 12-digit AWS account id",
        found: shorten(account),
        message: "the EventBridge account field is not an account id",
      },
    };
  }
  const value: DeliveryEnvelope = {
    id: fields.id as string,
    account,
    source: fields.source as string,
    detailType: fields["detail-type"] as string,
    time: fields.time as string,
  };
  if (!("detail" in fields)) {
    return {
      ok: false,
      reason: {
        code: "not-an-eventbridge-event",
        path: "detail",
        expected: "the evidence event",
        found: "nothing",
        message: "the EventBridge event has no detail",
      },
    };
  }
  return { ok: true, value, detail: fields.detail };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return shorten(value);
  return `a ${typeof value}`;
}

/** A string from the input, quoted and bounded: it may be hostile and is stored and printed. */
export function shorten(value: string): string {
  return bound(JSON.stringify(value));
}

/** Bounds text that repeats the input. */
function bound(text: string): string {
  return text.length <= MAX_FOUND_CHARS
    ? text
    : `${text.slice(0, MAX_FOUND_CHARS)}... (${text.length} characters)`;
}
