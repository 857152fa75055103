import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { closed, Digest, Line, ListOf, OneOf } from "../fields.ts";

const PUBLISHED = "artifact.published";
const SIGNED = "artifact.signed";

/** The artifact `subject.artifactDigest` was pushed to a registry. */
export const ArtifactPublished = defineEvent(
  PUBLISHED,
  Type.Object(
    {
      ...envelope(PUBLISHED),
      subject: subject({ required: ["releaseId", "service", "artifactDigest"] }),
      data: Type.Object(
        {
          /** Registry host, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
          registry: Line(256),
          /** Repository inside the registry. */
          repository: Line(256),
          tags: ListOf(Line(128), 50),
          mediaType: Type.Optional(Line(256)),
        },
        closed,
      ),
    },
    eventOptions(PUBLISHED, "An artifact was published to a registry."),
  ),
);

/** The artifact `subject.artifactDigest` was signed. */
export const ArtifactSigned = defineEvent(
  SIGNED,
  Type.Object(
    {
      ...envelope(SIGNED),
      subject: subject({ required: ["releaseId", "service", "artifactDigest"] }),
      data: Type.Object(
        {
          format: OneOf(["cosign", "sigstore-bundle", "notation"]),
          /** SHA-256 of the signature or Sigstore bundle as stored. */
          bundleDigest: Digest,
          /** A key (KMS key ARN, key id) for key-based signing, an identity for keyless. */
          signer: Type.Object(
            {
              keyId: Type.Optional(Line(512)),
              identity: Type.Optional(Line(512)),
              issuer: Type.Optional(Line(512)),
            },
            { ...closed, anyOf: [{ required: ["keyId"] }, { required: ["identity"] }] },
          ),
          /** Entry in a transparency log (Rekor), when the signature was logged. */
          transparencyLogIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1 })),
        },
        closed,
      ),
    },
    eventOptions(SIGNED, "An artifact was signed."),
  ),
);

export type ArtifactPublishedEvent = Static<typeof ArtifactPublished.schema>;
export type ArtifactSignedEvent = Static<typeof ArtifactSigned.schema>;
