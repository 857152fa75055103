import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import {
  ChangeCategory,
  closed,
  Line,
  ListOf,
  OneOf,
  Prose,
  RiskTier,
  Version,
} from "../fields.ts";

const TYPE = "change.classified";

/**
 * The release's change was put in a category (`changeCategory`, required here), which decides the
 * controls it must pass.
 */
export const ChangeClassified = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service"] }),
      changeCategory: ChangeCategory,
      data: Type.Object(
        {
          rationale: Prose(4000),
          /** A person, or a rule set that classified from the changed paths and labels. */
          classifier: Type.Object(
            {
              kind: OneOf(["human", "rules"]),
              id: Line(256),
              version: Type.Optional(Version),
            },
            closed,
          ),
          riskTier: Type.Optional(RiskTier),
          /** What led to the category: changed paths, labels, linked requirements. */
          indicators: Type.Optional(ListOf(Line(256), 50)),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A release's change was classified into a change category."),
  ),
);

export type ChangeClassifiedEvent = Static<typeof ChangeClassified.schema>;
