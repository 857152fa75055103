import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import {
  closed,
  Identity,
  Line,
  ListOf,
  Name,
  Prose,
  Reference,
  RiskTier,
  Timestamp,
} from "../fields.ts";
import { EXCEPTION_APPROVED_RULES } from "../rules.ts";

const APPROVED = "exception.approved";
const REVOKED = "exception.revoked";

/**
 * A risk owner accepted a deviation from controls for `subject.service` until `expiresAt`.
 * Release-less: an exception covers every release of the service in its scope.
 */
export const ExceptionApproved = defineEvent(
  APPROVED,
  Type.Object(
    {
      ...envelope(APPROVED),
      subject: subject({ required: ["service"], omit: ["releaseId"] }),
      data: Type.Object(
        {
          exceptionId: Reference,
          justification: Prose(4000),
          riskOwner: Identity,
          approver: Identity,
          scope: Type.Object(
            {
              /** Control identifiers, e.g. `PCI-DSS-6.3.3`, `SC-2.4`. */
              controls: ListOf(Line(128), 50, 1),
              environments: ListOf(Name, 20, 1),
            },
            closed,
          ),
          expiresAt: Timestamp,
          compensatingControls: ListOf(Prose(500), 20),
          riskTier: Type.Optional(RiskTier),
        },
        closed,
      ),
    },
    eventOptions(APPROVED, "A time-limited exception to controls was approved."),
  ),
  EXCEPTION_APPROVED_RULES,
);

/** An approved exception was withdrawn before it expired. */
export const ExceptionRevoked = defineEvent(
  REVOKED,
  Type.Object(
    {
      ...envelope(REVOKED),
      subject: subject({ required: ["service"], omit: ["releaseId"] }),
      data: Type.Object({ exceptionId: Reference, reason: Prose(2000) }, closed),
    },
    eventOptions(REVOKED, "An approved exception was revoked."),
  ),
);

export type ExceptionApprovedEvent = Static<typeof ExceptionApproved.schema>;
export type ExceptionRevokedEvent = Static<typeof ExceptionRevoked.schema>;
