import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import {
  ChangeCategory,
  closed,
  Digest,
  Line,
  OneOf,
  Prose,
  Reference,
  Tool,
  Version,
} from "../fields.ts";

const TYPE = "policy.evaluated";

const Violation = Type.Object(
  {
    rule: Line(256),
    message: Prose(1000),
    severity: Type.Optional(OneOf(["critical", "high", "medium", "low", "info"])),
    /** The approved exception that waives this violation, if one does. */
    exceptionId: Type.Optional(Reference),
  },
  closed,
);

/** A policy engine decided whether the release may proceed. */
export const PolicyEvaluated = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service"] }),
      changeCategory: Type.Optional(ChangeCategory),
      data: Type.Object(
        {
          policy: Type.Object({ id: Line(256), version: Version }, closed),
          engine: Tool,
          decision: OneOf(["allow", "deny", "warn"]),
          /** SHA-256 of the canonical input document the engine evaluated. */
          inputsDigest: Digest,
          violations: Type.Array(Violation, { maxItems: 200 }),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A policy was evaluated against a release."),
  ),
);

export type PolicyEvaluatedEvent = Static<typeof PolicyEvaluated.schema>;
