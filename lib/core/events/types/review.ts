import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { ChangeCategory, closed, Digest, HttpsUrl, Identity, OneOf, RiskTier } from "../fields.ts";

const TYPE = "review.submitted";

/** A reviewer submitted a code review of the commit in `subject.commit`. */
export const ReviewSubmitted = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service", "repository", "commit"] }),
      changeCategory: Type.Optional(ChangeCategory),
      data: Type.Object(
        {
          pullRequest: Type.Object(
            { number: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }), url: HttpsUrl },
            closed,
          ),
          reviewer: Identity,
          decision: OneOf(["approved", "changes-requested", "commented"]),
          riskTier: RiskTier,
          /** SHA-256 of the review body, kept out of the evidence itself. */
          bodyDigest: Type.Optional(Digest),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A code review was submitted on a pull request."),
  ),
);

export type ReviewSubmittedEvent = Static<typeof ReviewSubmitted.schema>;
