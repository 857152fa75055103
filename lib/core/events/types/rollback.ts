import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import {
  AccountId,
  ChangeCategory,
  closed,
  Digest,
  OneOf,
  Prose,
  Reference,
  Region,
} from "../fields.ts";

const TYPE = "rollback.completed";

/** `subject.environment` was returned from the artifact `fromDigest` to `toDigest`. */
export const RollbackCompleted = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service", "environment"] }),
      changeCategory: Type.Optional(ChangeCategory),
      data: Type.Object(
        {
          account: AccountId,
          region: Region,
          fromDigest: Digest,
          toDigest: Digest,
          reason: Prose(4000),
          trigger: Type.Optional(OneOf(["manual", "alarm", "failed-deployment"])),
          deploymentId: Type.Optional(Reference),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "An environment was rolled back to an earlier artifact."),
  ),
);

export type RollbackCompletedEvent = Static<typeof RollbackCompleted.schema>;
