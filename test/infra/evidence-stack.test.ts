import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RETENTION } from "../../lib/core/retention.ts";
import { DATA_KEY_ADMIN_CALLS } from "../../lib/infra/audit-trail.ts";
import { EVIDENCE_TABLE_DENIED_ACTIONS } from "../../lib/infra/event-table.ts";
import { KEY_ADMIN_ACTIONS } from "../../lib/infra/keys.ts";
import { LOCKED_BUCKET_DENIED_ACTIONS } from "../../lib/infra/storage.ts";
import {
  actionsOf,
  everyHandler,
  resourcesOf,
  type Synthesized,
  statementsOf,
  synthesize,
  type TemplateStatement,
} from "./synth.ts";

let plane: Synthesized;
let template: Template;

beforeAll(() => {
  plane = synthesize({}, { handlerEntries: everyHandler() });
  template = plane.evidence;
});

function keyPolicy(keySpec: string): TemplateStatement[] {
  const [key] = Object.values(resourcesOf(template, "AWS::KMS::Key")).filter(
    (resource) => (resource.Properties.KeySpec ?? "SYMMETRIC_DEFAULT") === keySpec,
  );
  if (!key) throw new Error(`no ${keySpec} key in the template`);
  return statementsOf(key.Properties.KeyPolicy);
}

function lockedBuckets() {
  return Object.entries(resourcesOf(template, "AWS::S3::Bucket")).filter(
    ([, bucket]) => bucket.Properties.ObjectLockEnabled === true,
  );
}

describe("signing key", () => {
  it("is ECC_NIST_P256 for SIGN_VERIFY, waits 30 days before deletion and is retained", () => {
    template.hasResource("AWS::KMS::Key", {
      Properties: Match.objectLike({
        KeySpec: "ECC_NIST_P256",
        KeyUsage: "SIGN_VERIFY",
        PendingWindowInDays: 30,
      }),
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });

  it("lets the account administer it without using it: no kms:* and no Sign for root", () => {
    const statements = keyPolicy("ECC_NIST_P256");
    const root = statements.find((s) => s.Sid === "AccountAdministersButNeverUses");

    expect(actionsOf(root as TemplateStatement).sort()).toEqual([...KEY_ADMIN_ACTIONS].sort());
    for (const statement of statements.filter((s) => s.Effect === "Allow")) {
      expect(actionsOf(statement)).not.toContain("kms:*");
      if (JSON.stringify(statement.Principal).includes(":root")) {
        expect(actionsOf(statement)).not.toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^kms:(Sign|Verify|GetPublicKey|CreateGrant)$/),
          ]),
        );
      }
    }
  });

  it("allows Sign only to the signing roles and denies it to every other principal", () => {
    const statements = keyPolicy("ECC_NIST_P256");
    const allowSign = statements.filter(
      (s) => s.Effect === "Allow" && actionsOf(s).includes("kms:Sign"),
    );
    const denySign = statements.find((s) => s.Sid === "NobodyElseSigns");
    const signers = [
      { "Fn::GetAtt": [expect.stringMatching(/^IngestRole/), "Arn"] },
      { "Fn::GetAtt": [expect.stringMatching(/^PackApiAssemblerRole/), "Arn"] },
    ];

    expect(allowSign).toHaveLength(1);
    expect(allowSign[0]?.Principal).toEqual({ AWS: signers });
    expect(denySign).toMatchObject({
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "kms:Sign",
      Condition: { ArnNotEquals: { "aws:PrincipalArn": signers } },
    });
  });

  it("gives the security principals administration, not use", () => {
    const security = keyPolicy("ECC_NIST_P256").find(
      (s) => s.Sid === "SecurityPrincipalsAdminister",
    );

    expect(security?.Principal).toEqual({ AWS: plane.config.securityPrincipals[0] });
    expect(actionsOf(security as TemplateStatement)).not.toContain("kms:Sign");
  });
});

describe("data key", () => {
  it("is symmetric, rotated, retained and never grants kms:* to anyone", () => {
    template.hasResource("AWS::KMS::Key", {
      Properties: Match.objectLike({ EnableKeyRotation: true, PendingWindowInDays: 30 }),
      DeletionPolicy: "Retain",
    });
    for (const statement of keyPolicy("SYMMETRIC_DEFAULT")) {
      expect(actionsOf(statement)).not.toContain("kms:*");
    }
  });

  it("lets services use it only on this account's behalf", () => {
    const services = keyPolicy("SYMMETRIC_DEFAULT").filter((s) =>
      JSON.stringify(s.Principal).includes("Service"),
    );

    expect(services.length).toBeGreaterThanOrEqual(5);
    for (const statement of services) expect(statement.Condition).toBeDefined();
  });
});

describe("event table", () => {
  it("keys records by pk/sk, streams NEW_IMAGE, keeps PITR and deletion protection, uses the data key", () => {
    template.hasResource("AWS::DynamoDB::Table", {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        StreamSpecification: { StreamViewType: "NEW_IMAGE" },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: "KMS" }),
      }),
      DeletionPolicy: "Retain",
    });
  });

  it("finds records by commit, artifact digest and day", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: "byCommit",
          KeySchema: [
            { AttributeName: "commit", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        }),
        Match.objectLike({
          IndexName: "byArtifactDigest",
          KeySchema: [
            { AttributeName: "artifactDigest", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
        }),
        Match.objectLike({
          IndexName: "byDay",
          KeySchema: [
            { AttributeName: "day", KeyType: "HASH" },
            { AttributeName: "receivedAt", KeyType: "RANGE" },
          ],
        }),
      ]),
    });
  });

  it("denies updates, deletes, batch writes and PartiQL changes to every principal in its own policy", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      StreamSpecification: { StreamViewType: "NEW_IMAGE" },
      ResourcePolicy: {
        PolicyDocument: {
          Statement: [
            {
              Sid: "EvidenceIsAppendOnly",
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: [...EVIDENCE_TABLE_DENIED_ACTIONS].sort(),
              Resource: "*",
            },
          ],
          Version: "2012-10-17",
        },
      },
    });
    expect(EVIDENCE_TABLE_DENIED_ACTIONS).toEqual(
      expect.arrayContaining([
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:PartiQLUpdate",
        "dynamodb:PartiQLDelete",
      ]),
    );
  });

  it("is backed up daily into a locked, encrypted vault", () => {
    template.hasResourceProperties("AWS::Backup::BackupVault", {
      EncryptionKeyArn: Match.anyValue(),
      LockConfiguration: { MinRetentionDays: 35 },
    });
    template.hasResourceProperties("AWS::Backup::BackupPlan", {
      BackupPlan: Match.objectLike({
        BackupPlanRule: [Match.objectLike({ Lifecycle: { DeleteAfterDays: 35 } })],
      }),
    });
  });
});

describe("Object Lock buckets", () => {
  it("lock evidence for the release class and packs for the governance class, in COMPLIANCE mode", () => {
    const retentions = lockedBuckets().map(
      ([, bucket]) =>
        (bucket.Properties.ObjectLockConfiguration as { Rule: { DefaultRetention: unknown } }).Rule
          .DefaultRetention,
    );

    expect(retentions).toEqual(
      expect.arrayContaining([
        { Mode: "COMPLIANCE", Days: DEFAULT_RETENTION.release.days },
        { Mode: "COMPLIANCE", Days: DEFAULT_RETENTION.governance.days },
        { Mode: "COMPLIANCE", Days: DEFAULT_RETENTION["key-usage"].days },
      ]),
    );
  });

  it("are versioned, SSE-KMS with a bucket key, private, logged and retained", () => {
    for (const [, bucket] of lockedBuckets()) {
      expect(bucket.Properties).toMatchObject({
        VersioningConfiguration: { Status: "Enabled" },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" },
            },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      expect(bucket.Properties.LoggingConfiguration).toBeDefined();
      expect(bucket.Properties.LifecycleConfiguration).toBeUndefined();
      expect(bucket.DeletionPolicy).toBe("Retain");
    }
  });

  it("send access logs to a separate bucket without Object Lock", () => {
    const [logsBucket] = Object.entries(resourcesOf(template, "AWS::S3::Bucket")).filter(
      ([, bucket]) => bucket.Properties.ObjectLockEnabled !== true,
    );

    expect(logsBucket).toBeDefined();
    for (const [, bucket] of lockedBuckets()) {
      expect(bucket.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logsBucket?.[0] },
        LogFilePrefix: expect.any(String),
      });
    }
  });

  it("deny unlocking, version deletes and lifecycle changes, and insecure transport, to everyone", () => {
    const policies = Object.values(resourcesOf(template, "AWS::S3::BucketPolicy"));
    const locked = policies.filter((policy) =>
      statementsOf(policy.Properties.PolicyDocument).some(
        (s) => s.Sid === "EvidenceCannotBeUnlockedOrErased",
      ),
    );

    expect(locked).toHaveLength(lockedBuckets().length);
    for (const policy of locked) {
      const statements = statementsOf(policy.Properties.PolicyDocument);
      const deny = statements.find((s) => s.Sid === "EvidenceCannotBeUnlockedOrErased");
      expect(deny).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" } });
      expect(actionsOf(deny as TemplateStatement).sort()).toEqual(
        [...LOCKED_BUCKET_DENIED_ACTIONS].sort(),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Action: "s3:*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  it("let no one but the pack API change legal holds", () => {
    const holds = Object.values(resourcesOf(template, "AWS::S3::BucketPolicy")).flatMap((policy) =>
      statementsOf(policy.Properties.PolicyDocument).filter(
        (s) => s.Sid === "LegalHoldsOnlyThroughTheApi",
      ),
    );

    expect(holds).toHaveLength(2);
    for (const hold of holds) {
      expect(hold).toMatchObject({ Effect: "Deny", Action: "s3:PutObjectLegalHold" });
    }
  });

  it("replicate evidence and packs to the replica region without delete markers", () => {
    const replicated = lockedBuckets().filter(
      ([, bucket]) => bucket.Properties.ReplicationConfiguration !== undefined,
    );

    expect(replicated).toHaveLength(2);
    for (const [, bucket] of replicated) {
      expect(bucket.Properties.ReplicationConfiguration).toMatchObject({
        Rules: [
          {
            Status: "Enabled",
            DeleteMarkerReplication: { Status: "Disabled" },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: "Enabled" } },
            Destination: {
              Bucket: expect.stringMatching(
                /^arn:aws:s3:::evidence-plane-(evidence|packs)-111111111111-eu-central-1$/,
              ),
              EncryptionConfiguration: {
                ReplicaKmsKeyID:
                  "arn:aws:kms:eu-central-1:111111111111:alias/evidence-plane-replica-data",
              },
            },
          },
        ],
      });
    }
  });
});

describe("evidence bus", () => {
  it("admits only the producer accounts and the organization, and only evidence.* sources", () => {
    template.hasResourceProperties("AWS::Events::EventBusPolicy", {
      Statement: Match.objectLike({
        Sid: "cdk-ProducerAccountsPutEvidence",
        Effect: "Allow",
        Action: "events:PutEvents",
        Principal: {
          AWS: ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"],
        },
        Condition: { StringLike: { "events:source": "evidence.*" } },
      }),
    });
    template.hasResourceProperties("AWS::Events::EventBusPolicy", {
      Statement: Match.objectLike({
        Sid: "cdk-ProducerOrganizationPutsEvidence",
        Principal: { AWS: "*" },
        Condition: {
          StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" },
          StringLike: { "events:source": "evidence.*" },
        },
      }),
    });
    template.resourceCountIs("AWS::Events::EventBusPolicy", 2);
  });

  it("is encrypted with the data key, has a DLQ, and archives evidence events for replay", () => {
    template.hasResourceProperties("AWS::Events::EventBus", {
      Name: "evidence-plane-evidence",
      KmsKeyIdentifier: Match.anyValue(),
      DeadLetterConfig: { Arn: Match.anyValue() },
    });
    template.hasResourceProperties("AWS::Events::Archive", {
      EventPattern: { source: [{ prefix: "evidence." }] },
      RetentionDays: 365,
      KmsKeyIdentifier: Match.anyValue(),
    });
  });

  it("may send what it cannot deliver to its own DLQ, and nothing else may", () => {
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: Match.stringLikeRegexp("^IngestBusDeadLetters") }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Action: "sqs:SendMessage",
            Principal: { Service: "events.amazonaws.com" },
            Condition: {
              ArnEquals: {
                "aws:SourceArn": { "Fn::GetAtt": [Match.stringLikeRegexp("^IngestBus"), "Arn"] },
              },
            },
          }),
        ]),
      },
    });
  });

  it("routes evidence.* sources to the ingest queue, with a target DLQ and bounded retries", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: [{ prefix: "evidence." }] },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
  });
});

describe("ingest", () => {
  it("reads the queue in batches, reports item failures and caps concurrency", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it("has an encrypted queue with a DLQ and a visibility timeout of six function timeouts", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 180,
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
  });

  it("runs with the pipeline environment and the signing key", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("^Validates, signs"),
      Environment: {
        Variables: Match.objectLike({
          EVENT_TABLE: Match.anyValue(),
          EVIDENCE_BUCKET: Match.anyValue(),
          SIGNING_KEY_ID: Match.anyValue(),
          OBJECT_LOCK_MODE: "COMPLIANCE",
          RETENTION_DAYS: JSON.stringify({
            release: 2557,
            verification: 1096,
            "key-usage": 365,
            governance: 2557,
          }),
          NODE_OPTIONS: "--enable-source-maps",
          POWERTOOLS_SERVICE_NAME: "evidence-ingest",
          POWERTOOLS_METRICS_NAMESPACE: "EvidencePlane",
        }),
      },
    });
  });
});

describe("archive", () => {
  it("consumes only INSERTs, bisects, retries a bounded number of times and hands failures to a queue", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      StartingPosition: "TRIM_HORIZON",
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 12 * 3600,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ["INSERT"] }) }] },
    });
  });
});

describe("every function", () => {
  it("runs Node 22 on ARM64 with tracing, JSON logs into its own log group, a DLQ and reserved concurrency", () => {
    const functions = Object.values(resourcesOf(template, "AWS::Lambda::Function"));

    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        LoggingConfig: { LogFormat: "JSON", LogGroup: { Ref: expect.any(String) } },
        DeadLetterConfig: { TargetArn: expect.anything() },
        ReservedConcurrentExecutions: expect.any(Number),
        Timeout: expect.any(Number),
        MemorySize: expect.any(Number),
      });
    }
  });

  it("logs into encrypted, retained log groups with a retention", () => {
    for (const group of Object.values(resourcesOf(template, "AWS::Logs::LogGroup"))) {
      expect(group.Properties.KmsKeyId).toBeDefined();
      expect(group.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
      expect(group.DeletionPolicy).toBe("Retain");
    }
  });
});

describe("audit trail", () => {
  it("validates log files, encrypts with KMS, covers every region and feeds CloudWatch Logs", () => {
    template.hasResourceProperties("AWS::CloudTrail::Trail", {
      EnableLogFileValidation: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      KMSKeyId: Match.anyValue(),
      CloudWatchLogsLogGroupArn: Match.anyValue(),
      S3BucketName: Match.anyValue(),
    });
  });

  it("records object-level calls on the evidence and packs buckets", () => {
    template.hasResourceProperties("AWS::CloudTrail::Trail", {
      EventSelectors: Match.arrayWith([
        Match.objectLike({
          DataResources: [
            {
              Type: "AWS::S3::Object",
              Values: [
                {
                  "Fn::Join": [
                    "",
                    [{ "Fn::GetAtt": [Match.stringLikeRegexp("^EvidenceBucket"), "Arn"] }, "/"],
                  ],
                },
                {
                  "Fn::Join": [
                    "",
                    [{ "Fn::GetAtt": [Match.stringLikeRegexp("^PacksBucket"), "Arn"] }, "/"],
                  ],
                },
              ],
            },
          ],
          IncludeManagementEvents: false,
          ReadWriteType: "All",
        }),
      ]),
    });
  });

  it("forwards every signing-key call, read-only ones included, and data-key administration, to the evidence bus and the key-usage queue", () => {
    const forwards = Object.values(resourcesOf(template, "AWS::Events::Rule")).filter(
      (rule) =>
        (rule.Properties.EventPattern as { source?: unknown }).source?.toString() === "aws.kms",
    );

    expect(forwards).toHaveLength(2);
    for (const rule of forwards) {
      expect(rule.Properties).toMatchObject({
        State: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        EventPattern: {
          "detail-type": ["AWS API Call via CloudTrail"],
          detail: {
            $or: [
              {
                resources: {
                  ARN: [{ "Fn::GetAtt": [expect.stringMatching(/^KeysSigning/), "Arn"] }],
                },
              },
              {
                resources: { ARN: [{ "Fn::GetAtt": [expect.stringMatching(/^KeysData/), "Arn"] }] },
                eventName: [...DATA_KEY_ADMIN_CALLS],
              },
            ],
          },
        },
      });
    }
    expect(forwards.filter((rule) => rule.Properties.EventBusName === undefined)).toHaveLength(1);
  });

  it("does not forward the data key's routine use, which the forwarding itself would cause", () => {
    expect(DATA_KEY_ADMIN_CALLS).not.toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^(Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/),
      ]),
    );
  });
});

describe("alarms", () => {
  function alarmDescriptions(): string[] {
    return Object.values(resourcesOf(template, "AWS::CloudWatch::Alarm")).map(
      (alarm) => alarm.Properties.AlarmDescription as string,
    );
  }

  it("watch every dead-letter queue", () => {
    const queues = resourcesOf(template, "AWS::SQS::Queue");
    const deadLetterQueues = Object.entries(queues)
      .filter(([, queue]) => queue.Properties.RedrivePolicy === undefined)
      .map(([id]) => id);
    const watched = Object.values(resourcesOf(template, "AWS::CloudWatch::Alarm")).flatMap(
      (alarm) =>
        ((alarm.Properties.Dimensions as Array<{ Value: unknown }> | undefined) ?? []).map(
          (dimension) => JSON.stringify(dimension.Value),
        ),
    );

    expect(deadLetterQueues.length).toBeGreaterThanOrEqual(8);
    for (const id of deadLetterQueues) {
      expect(watched).toContain(JSON.stringify({ "Fn::GetAtt": [id, "QueueName"] }));
    }
  });

  it("raise on key administration and on Sign by anyone but the signing roles", () => {
    const filters = Object.values(resourcesOf(template, "AWS::Logs::MetricFilter")).map((filter) =>
      JSON.stringify(filter.Properties.FilterPattern),
    );

    for (const call of ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "CreateGrant"]) {
      expect(filters.some((pattern) => pattern.includes(`$.eventName = \\"${call}\\"`))).toBe(true);
    }
    expect(
      filters.some(
        (pattern) =>
          pattern.includes('$.eventName = \\"Sign\\"') && pattern.includes("sessionIssuer.arn !="),
      ),
    ).toBe(true);
    expect(
      alarmDescriptions().filter((d) =>
        /^(DisableKey|ScheduleKeyDeletion|PutKeyPolicy|CreateGrant) was called/.test(d),
      ),
    ).toHaveLength(7);
  });

  it("raise on quarantined events, archive lag and handler errors, and notify the encrypted topic", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: [
        Match.objectLike({ Expression: 'SELECT SUM(EventsQuarantined) FROM "EvidencePlane"' }),
      ],
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "IteratorAge",
      Threshold: 3_600_000,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "Errors" });
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "security-alerts@example.com",
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    for (const alarm of Object.values(resourcesOf(template, "AWS::CloudWatch::Alarm"))) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it("and a dashboard of the pipeline", () => {
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });
});

describe("schema registry", () => {
  it("publishes one JSONSchemaDraft4 schema per event type", async () => {
    const { EVENT_TYPES } = await import("../../lib/core/events/index.ts");
    const schemas = Object.values(resourcesOf(template, "AWS::EventSchemas::Schema"));

    expect(schemas).toHaveLength(EVENT_TYPES.length);
    for (const schema of schemas) {
      expect(schema.Properties.Type).toBe("JSONSchemaDraft4");
      expect(JSON.parse(schema.Properties.Content as string)).toMatchObject({
        $schema: "http://json-schema.org/draft-04/schema#",
      });
    }
  });
});

describe("outputs", () => {
  it("give producers the bus and auditors the signing key", () => {
    template.hasOutput("EvidenceBusArn", {});
    template.hasOutput("SigningKeyArn", {});
  });
});
