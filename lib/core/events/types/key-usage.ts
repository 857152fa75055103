import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { Count, closed, Line, ListOf, Reference, Region, Timestamp } from "../fields.ts";
import { KEY_USAGE_SUMMARIZED_RULES } from "../rules.ts";

const TYPE = "key-usage.summarized";

/** Most Sign request ids one event carries; the summarizer splits larger batches into parts. */
export const MAX_SIGN_REQUEST_IDS = 4000;
/** Most usage rows and administrative calls one event carries. */
export const MAX_USAGE_ROWS = 500;
export const MAX_ADMINISTRATIVE_CALLS = 200;

const KeyArn = Type.String({
  minLength: 1,
  maxLength: 2048,
  pattern: "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(?:key|alias)/[A-Za-z0-9/_-]+$",
});
const Principal = Line(512);
const Operation = Type.String({ pattern: "^[A-Z][A-Za-z0-9]{1,63}$" });
const SourceAccount = Type.String({ pattern: "^(?:[0-9]{12}|unknown)$" });
const RequestId = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9-]+$" });

/** Calls of one principal, from one account, doing one operation on one key. */
const UsageRow = Type.Object(
  {
    keyArn: KeyArn,
    principal: Principal,
    operation: Operation,
    sourceAccount: SourceAccount,
    regions: ListOf(Region, 32, 1),
    count: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    firstUse: Timestamp,
    lastUse: Timestamp,
    errors: ListOf(
      Type.Object({ code: Line(128), count: Count, first: Timestamp, last: Timestamp }, closed),
      64,
    ),
    /** KMS request ids of the successful Sign calls: what reconciliation matches signatures to. */
    requestIds: Type.Optional(ListOf(RequestId, MAX_SIGN_REQUEST_IDS)),
  },
  closed,
);

/** One call that changed a key, its policy, grants or aliases, kept one by one. */
const AdministrativeCall = Type.Object(
  {
    eventId: Line(128),
    requestId: Type.Optional(RequestId),
    eventTime: Timestamp,
    keyArn: KeyArn,
    principal: Principal,
    operation: Operation,
    sourceAccount: SourceAccount,
    region: Region,
    errorCode: Type.Optional(Line(128)),
    detail: Type.Optional(
      Type.Object(
        {
          granteePrincipal: Type.Optional(Line(512)),
          retiringPrincipal: Type.Optional(Line(512)),
          operations: Type.Optional(ListOf(Operation, 32)),
          name: Type.Optional(Line(256)),
          pendingWindowInDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
          policyName: Type.Optional(Line(128)),
          bypassPolicyLockoutSafetyCheck: Type.Optional(Type.Boolean()),
          aliasName: Type.Optional(Line(256)),
          targetKeyId: Type.Optional(Line(2048)),
          grantId: Type.Optional(Line(128)),
        },
        closed,
      ),
    ),
  },
  closed,
);

/**
 * Calls on the evidence plane's KMS keys over a window, from CloudTrail: counts per key,
 * principal, operation and source account, every administrative call, and the request ids of
 * the Sign calls. Release-less: it is kept in the `control/key-usage` stream. One event covers one
 * batch of CloudTrail events (split into parts when large), so recording it costs one Sign call,
 * which the next summary counts.
 */
export const KeyUsageSummarized = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: [], omit: ["releaseId"] }),
      data: Type.Object(
        {
          /** Time of the first and the last call counted. */
          firstCall: Timestamp,
          lastCall: Timestamp,
          /** Calls counted (duplicate CloudTrail deliveries count once). */
          calls: Count,
          usage: ListOf(UsageRow, MAX_USAGE_ROWS),
          administrative: ListOf(AdministrativeCall, MAX_ADMINISTRATIVE_CALLS),
          /** The batch this summary covers; a large batch is summarized in several parts. */
          batch: Type.Object(
            {
              id: Reference,
              part: Type.Integer({ minimum: 1, maximum: 10_000 }),
              parts: Type.Integer({ minimum: 1, maximum: 10_000 }),
              messages: Count,
            },
            closed,
          ),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "Use of the evidence plane's KMS keys over a window, from CloudTrail."),
  ),
  KEY_USAGE_SUMMARIZED_RULES,
);

export type KeyUsageSummarizedEvent = Static<typeof KeyUsageSummarized.schema>;
