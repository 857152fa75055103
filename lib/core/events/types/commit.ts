import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import {
  ChangeCategory,
  CommitId,
  closed,
  Digest,
  Identity,
  Line,
  ListOf,
  OneOf,
} from "../fields.ts";

const TYPE = "commit.pushed";

/** A commit reached a branch of the source repository. */
export const CommitPushed = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service", "repository", "commit"] }),
      changeCategory: Type.Optional(ChangeCategory),
      data: Type.Object(
        {
          branch: Line(256),
          author: Identity,
          committer: Type.Optional(Identity),
          /** SHA-256 of the full commit message: proves the message without copying it. */
          messageDigest: Type.Optional(Digest),
          /** The message's first line, when it may be shown. */
          title: Type.Optional(Line(256)),
          parents: Type.Optional(ListOf(CommitId, 16)),
          /** The forge's verdict on the commit signature. */
          signature: Type.Optional(OneOf(["verified", "unverified", "unsigned"])),
        },
        // The message is recorded by its digest, its title, or both.
        { ...closed, anyOf: [{ required: ["messageDigest"] }, { required: ["title"] }] },
      ),
    },
    eventOptions(TYPE, "A commit reached a branch of the source repository."),
  ),
);

export type CommitPushedEvent = Static<typeof CommitPushed.schema>;
