import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { Count, closed, Digest, OneOf, Tool } from "../fields.ts";

const TYPE = "scan.completed";

/** A scanner examined the artifact, the commit, or both (at least one is in `subject`). */
export const ScanCompleted = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({
        required: ["releaseId", "service"],
        atLeastOneOf: ["artifactDigest", "commit"],
      }),
      data: Type.Object(
        {
          scanner: Tool,
          kind: OneOf(["dependency", "licence", "secrets", "iac", "container", "sast"]),
          /** Open findings by severity after the scanner's own suppressions. */
          findings: Type.Object(
            { critical: Count, high: Count, medium: Count, low: Count, info: Count },
            closed,
          ),
          reportDigest: Digest,
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A security, licence or quality scan finished."),
  ),
);

export type ScanCompletedEvent = Static<typeof ScanCompleted.schema>;
