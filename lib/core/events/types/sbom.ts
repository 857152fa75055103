import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { Count, closed, Digest, OneOf, Tool, VersionNumber } from "../fields.ts";

const TYPE = "sbom.generated";

/** A software bill of materials was generated for `subject.artifactDigest`. */
export const SbomGenerated = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service", "artifactDigest"] }),
      data: Type.Object(
        {
          format: OneOf(["spdx", "cyclonedx"]),
          /** Version of the SBOM specification, e.g. `2.3` for SPDX or `1.6` for CycloneDX. */
          formatVersion: VersionNumber,
          sbomDigest: Digest,
          componentCount: Count,
          generator: Type.Optional(Tool),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A software bill of materials was generated for an artifact."),
  ),
);

export type SbomGeneratedEvent = Static<typeof SbomGenerated.schema>;
