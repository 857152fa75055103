import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { ChangeCategory, closed, Identity, OneOf, Prose, Reference, RiskTier } from "../fields.ts";

const TYPE = "approval.decided";

/**
 * A person approved or rejected the release of `subject.artifactDigest` to `subject.environment`.
 * One event per approver: `requiredApprovals` says how many the release needs.
 */
export const ApprovalDecided = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service", "environment", "artifactDigest"] }),
      changeCategory: Type.Optional(ChangeCategory),
      data: Type.Object(
        {
          approver: Identity,
          decision: OneOf(["approved", "rejected"]),
          riskTier: RiskTier,
          requiredApprovals: Type.Integer({ minimum: 1, maximum: 20 }),
          /** The change record in the change-management system, e.g. `CHG0041277`. */
          changeRequest: Type.Optional(Reference),
          comment: Type.Optional(Prose(2000)),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A release approval was granted or refused for an environment."),
  ),
);

export type ApprovalDecidedEvent = Static<typeof ApprovalDecided.schema>;
