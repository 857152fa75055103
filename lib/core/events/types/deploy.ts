import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import {
  AccountId,
  ChangeCategory,
  closed,
  Line,
  OneOf,
  Prose,
  Reference,
  Region,
  Tool,
} from "../fields.ts";

const STARTED = "deploy.started";
const COMPLETED = "deploy.completed";
const FAILED = "deploy.failed";

/** Where and how `subject.artifactDigest` is being deployed to `subject.environment`. */
const target = {
  deploymentId: Reference,
  account: AccountId,
  region: Region,
  strategy: Type.Optional(OneOf(["all-at-once", "rolling", "blue-green", "canary"])),
  tool: Type.Optional(Tool),
};

const deploySubject = () =>
  subject({ required: ["releaseId", "service", "environment", "artifactDigest"] });

/** A deployment of the artifact to an environment began. */
export const DeployStarted = defineEvent(
  STARTED,
  Type.Object(
    {
      ...envelope(STARTED),
      subject: deploySubject(),
      changeCategory: Type.Optional(ChangeCategory),
      data: Type.Object(target, closed),
    },
    eventOptions(STARTED, "A deployment to an environment started."),
  ),
);

/** The deployment finished and the artifact serves in the environment. */
export const DeployCompleted = defineEvent(
  COMPLETED,
  Type.Object(
    {
      ...envelope(COMPLETED),
      subject: deploySubject(),
      changeCategory: Type.Optional(ChangeCategory),
      data: Type.Object(target, closed),
    },
    eventOptions(COMPLETED, "A deployment to an environment completed."),
  ),
);

/** The deployment stopped before completing. */
export const DeployFailed = defineEvent(
  FAILED,
  Type.Object(
    {
      ...envelope(FAILED),
      subject: deploySubject(),
      changeCategory: Type.Optional(ChangeCategory),
      data: Type.Object(
        {
          ...target,
          reason: Prose(4000),
          /** The step that failed, as the deployment tool names it. */
          failedStep: Type.Optional(Line(256)),
        },
        closed,
      ),
    },
    eventOptions(FAILED, "A deployment to an environment failed."),
  ),
);

export type DeployStartedEvent = Static<typeof DeployStarted.schema>;
export type DeployCompletedEvent = Static<typeof DeployCompleted.schema>;
export type DeployFailedEvent = Static<typeof DeployFailed.schema>;
