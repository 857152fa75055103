import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import {
  CommitId,
  Count,
  closed,
  Digest,
  Exactly,
  Identity,
  Line,
  Name,
  Reference,
  ReleaseId,
  RepositoryName,
  Tagged,
  Timestamp,
} from "../fields.ts";
import { PACK_GENERATED_RULES } from "../rules.ts";

const TYPE = "pack.generated";

/** What an evidence pack was asked to cover. */
const PackScope = Tagged([
  Type.Object({ kind: Exactly("release"), releaseId: ReleaseId }, closed),
  Type.Object(
    { kind: Exactly("commit"), commit: CommitId, repository: Type.Optional(RepositoryName) },
    closed,
  ),
  Type.Object({ kind: Exactly("artifact"), artifactDigest: Digest }, closed),
  Type.Object(
    { kind: Exactly("window"), from: Timestamp, to: Timestamp, service: Type.Optional(Name) },
    closed,
  ),
]);

/** An evidence pack was produced for an auditor: who asked, for what, and its digest. */
export const PackGenerated = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: [], omit: ["releaseId"] }),
      data: Type.Object(
        {
          packId: Reference,
          scope: PackScope,
          packDigest: Digest,
          recordCount: Count,
          requestedBy: Identity,
          /** The audit request this pack answers, e.g. `AUD-2026-014`. */
          requestReference: Type.Optional(Line(128)),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "An evidence pack was generated."),
  ),
  PACK_GENERATED_RULES,
);

export type PackScope = Static<typeof PackScope>;
export type PackGeneratedEvent = Static<typeof PackGenerated.schema>;
