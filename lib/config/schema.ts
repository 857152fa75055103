import { type Static, Type } from "@sinclair/typebox";
import { EVIDENCE_CLASSES, type EvidenceClass } from "../core/retention.ts";

/**
 * The configuration file's JSON Schema, written with TypeBox so the same source gives the
 * schema (published for editors in docs/evidence-plane.config.schema.json) and the raw type.
 * Each field's `description` is the phrase a configuration error prints after "expected".
 */

/** A string enum as plain JSON Schema `enum`, so an error names the allowed values once. */
function StringEnum<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>({
    type: "string",
    enum: [...values],
    description: `one of ${values.map((value) => `"${value}"`).join(", ")}`,
  });
}

const AccountId = Type.String({ pattern: "^[0-9]{12}$", description: "12 digits" });

const Region = Type.String({
  pattern: "^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$",
  description: "an AWS region such as eu-west-1",
});

const RoleArn = Type.String({
  pattern: "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
  description: "an IAM role ARN such as arn:aws:iam::111111111111:role/Auditor",
});

const OrganizationId = Type.String({
  pattern: "^o-[a-z0-9]{10,32}$",
  description: "an AWS Organizations id such as o-a1b2c3d4e5",
});

const Email = Type.String({
  pattern: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
  maxLength: 254,
  description: "an email address",
});

const TopicArn = Type.String({
  pattern: "^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$",
  description: "an SNS topic ARN such as arn:aws:sns:eu-west-1:111111111111:alerts",
});

const GithubSubject = Type.String({
  pattern: "^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.*-]+(:[^\\s]+)?$",
  maxLength: 255,
  description:
    'a GitHub OIDC subject naming the organization, such as "repo:example-bank/payments-api:ref:refs/heads/main"',
});

const Retention = Type.Object(
  {
    days: Type.Integer({
      minimum: 1,
      maximum: 36_500,
      description: "a whole number of days from 1 to 36500",
    }),
  },
  { additionalProperties: false, description: 'an object such as { "days": 2557 }' },
);

const OptionalRetention = Type.Optional(Retention);
const retentionProperties = Object.fromEntries(
  EVIDENCE_CLASSES.map((evidenceClass) => [evidenceClass, OptionalRetention]),
) as Record<EvidenceClass, typeof OptionalRetention>;

export const RawConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: "a path or URL to this schema" })),
    namePrefix: Type.Optional(
      Type.String({
        pattern: "^[a-z][a-z0-9-]{1,18}[a-z0-9]$",
        description: "3 to 20 lowercase letters, digits or hyphens, starting with a letter",
      }),
    ),
    evidenceAccount: AccountId,
    region: Region,
    producers: Type.Object(
      {
        accounts: Type.Optional(
          Type.Array(AccountId, {
            maxItems: 200,
            uniqueItems: true,
            description: "a list of distinct 12-digit account ids",
          }),
        ),
        organizationId: Type.Optional(OrganizationId),
      },
      { additionalProperties: false, description: "an object with accounts and/or organizationId" },
    ),
    auditorPrincipals: Type.Array(RoleArn, {
      minItems: 1,
      maxItems: 20,
      uniqueItems: true,
      description: "a list of 1 to 20 distinct IAM role ARNs",
    }),
    securityPrincipals: Type.Array(RoleArn, {
      minItems: 1,
      maxItems: 20,
      uniqueItems: true,
      description: "a list of 1 to 20 distinct IAM role ARNs",
    }),
    retention: Type.Optional(
      Type.Object(retentionProperties, {
        additionalProperties: false,
        description: `an object with any of ${EVIDENCE_CLASSES.join(", ")}`,
      }),
    ),
    objectLockMode: Type.Optional(StringEnum(["COMPLIANCE", "GOVERNANCE"] as const)),
    alarms: Type.Object(
      {
        emails: Type.Optional(
          Type.Array(Email, { maxItems: 20, uniqueItems: true, description: "a list of emails" }),
        ),
        topicArn: Type.Optional(TopicArn),
      },
      { additionalProperties: false, description: "an object with emails and/or topicArn" },
    ),
    replicaRegion: Type.Optional(Region),
    busArchiveRetentionDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 36_500, description: "a whole number of days" }),
    ),
    workloads: Type.Optional(
      Type.Object(
        {
          region: Type.Optional(Region),
          githubOidc: Type.Optional(
            Type.Object(
              {
                provider: Type.Optional(StringEnum(["create", "import"] as const)),
                subjects: Type.Array(GithubSubject, {
                  minItems: 1,
                  maxItems: 50,
                  uniqueItems: true,
                  description: "a list of 1 to 50 distinct GitHub OIDC subjects",
                }),
              },
              { additionalProperties: false, description: "an object with provider and subjects" },
            ),
          ),
          trustAccountPrincipals: Type.Optional(Type.Boolean({ description: "true or false" })),
        },
        {
          additionalProperties: false,
          description: "an object with region, githubOidc, trustAccountPrincipals",
        },
      ),
    ),
  },
  { additionalProperties: false, description: "a configuration object" },
);

/** The configuration file as written, before defaults. */
export type RawConfig = Static<typeof RawConfigSchema>;
