import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { closed, Digest, HttpsUrl, Line, Reference, Timestamp, Version } from "../fields.ts";

const TYPE = "build.completed";

/** A build turned `subject.commit` into the artifact `subject.artifactDigest`. */
export const BuildCompleted = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({
        required: ["releaseId", "service", "repository", "commit", "artifactDigest"],
      }),
      data: Type.Object(
        {
          buildId: Reference,
          /** The build platform and definition, e.g. a workflow ref or a CodeBuild project ARN. */
          builder: Type.Object({ id: Line(512), version: Type.Optional(Version) }, closed),
          artifactName: Line(256),
          startedAt: Type.Optional(Timestamp),
          buildUrl: Type.Optional(HttpsUrl),
          /** SHA-256 of the build's provenance attestation (SLSA), when there is one. */
          provenanceDigest: Type.Optional(Digest),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A build produced an artifact from a commit."),
  ),
);

export type BuildCompletedEvent = Static<typeof BuildCompleted.schema>;
