import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { Count, closed, Digest, Line, OneOf, Reference } from "../fields.ts";

const TYPE = "test.completed";

/** A test suite ran against the artifact `subject.artifactDigest`. */
export const TestCompleted = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service", "artifactDigest"] }),
      data: Type.Object(
        {
          suite: Line(256),
          /** `validation` is the regulated kind: tests run against an approved protocol. */
          kind: OneOf(["unit", "integration", "system", "validation"]),
          passed: Count,
          failed: Count,
          skipped: Count,
          reportDigest: Digest,
          /** The validation protocol or test plan the run executed, e.g. `VP-0142 rev C`. */
          protocol: Type.Optional(Line(128)),
          durationSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000 })),
          runId: Type.Optional(Reference),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A test suite ran against an artifact."),
  ),
);

export type TestCompletedEvent = Static<typeof TestCompleted.schema>;
