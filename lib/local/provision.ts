import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceAlreadyExistsException,
} from "@aws-sdk/client-eventbridge";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { LockMode } from "../adapters/archive-store.ts";
import { createS3Client } from "../adapters/archive-store.ts";
import { type AwsTarget, clientConfig } from "../adapters/aws-config.ts";
import type { EvidencePlaneConfig } from "../config/index.ts";
import {
  EVENT_TABLE_LAYOUT,
  EVIDENCE_SOURCE_PREFIX,
  LOCAL_CONFIG,
  PACK_JOBS_TABLE_LAYOUT,
} from "../config/index.ts";
import type { EvidenceClass, RetentionPeriod } from "../core/retention.ts";

/** How the local plane's resources are set up: the same knobs the stack configuration has. */
export interface PlaneSettings {
  /** Prefix of every resource name; tests use their own to stay apart. */
  readonly prefix: string;
  /** Object Lock mode of the evidence and packs buckets. */
  readonly objectLockMode: LockMode;
  /** Retention per evidence class (records are locked until receivedAt + their class's period). */
  readonly retention: Readonly<Record<EvidenceClass, RetentionPeriod>>;
  /** Source prefix the bus rule forwards. */
  readonly sourcePrefix: string;
  /** Seconds a received ingest message stays hidden (Lambda: at least 6 x the function timeout). */
  readonly visibilityTimeoutSeconds: number;
  /** Deliveries before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/** Plane settings from a stack configuration (the local plane uses LOCAL_CONFIG). */
export function settingsFromConfig(
  config: EvidencePlaneConfig,
  overrides: Partial<PlaneSettings> = {},
): PlaneSettings {
  return {
    prefix: config.namePrefix,
    objectLockMode: config.objectLockMode,
    retention: config.retention,
    sourcePrefix: EVIDENCE_SOURCE_PREFIX,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 5,
    ...overrides,
  };
}

/** The local plane's settings: LOCAL_CONFIG (COMPLIANCE locks, the shipped retention periods). */
export const LOCAL_PLANE_SETTINGS: PlaneSettings = settingsFromConfig(LOCAL_CONFIG);

/** Everything {@link provisionPlane} created: what handlers, pollers and clients need to find it. */
export interface PlaneResources {
  readonly region: string;
  readonly busName: string;
  readonly ruleName: string;
  readonly ingestQueueUrl: string;
  readonly ingestQueueArn: string;
  readonly ingestDlqUrl: string;
  /** Where archive batches that keep failing are sent (the stream mapping's on-failure destination). */
  readonly archiveFailureQueueUrl: string;
  readonly table: string;
  readonly tableStreamArn: string;
  readonly evidenceBucket: string;
  readonly packsBucket: string;
  readonly packJobsTable: string;
  /** Pack requests the assembler consumes (with a dead-letter queue after 3 deliveries). */
  readonly packRequestsQueueUrl: string;
  readonly packRequestsQueueArn: string;
  readonly packRequestsDlqUrl: string;
  /** ARN of the ECC_NIST_P256 SIGN_VERIFY key. */
  readonly signingKeyId: string;
  /** ARN of the symmetric key that encrypts the buckets and tables. */
  readonly dataKeyId: string;
}

/** Every retention period in days, shortest first: the bucket default is the shortest. */
function shortestRetentionDays(retention: PlaneSettings["retention"]): number {
  return Math.min(...Object.values(retention).map((period) => period.days));
}

/**
 * Creates the evidence plane's resources on the emulator (or any account), with the settings
 * the stack gives them: bus and rule to the ingest queue (with DLQ), the event table (pk/sk,
 * NEW_IMAGE stream, GSIs), the Object Lock evidence and packs buckets, the pack-jobs table, and
 * the KMS signing and data keys. Idempotent: run it again and it finds what exists.
 */
export async function provisionPlane(
  target: AwsTarget,
  settings: PlaneSettings = LOCAL_PLANE_SETTINGS,
): Promise<PlaneResources> {
  const kms = new KMSClient(clientConfig(target));
  const sqs = new SQSClient(clientConfig(target));
  const events = new EventBridgeClient(clientConfig(target));
  const dynamo = new DynamoDBClient(clientConfig(target));
  const s3 = createS3Client(target);
  try {
    const p = settings.prefix;
    const [signingKeyId, dataKeyId] = await Promise.all([
      ensureKey(kms, `alias/${p}-signing`, "ECC_NIST_P256", "SIGN_VERIFY"),
      ensureKey(kms, `alias/${p}-data`, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
    ]);

    const ingestDlq = await ensureQueue(sqs, `${p}-ingest-dlq`, {
      MessageRetentionPeriod: String(14 * 86_400),
    });
    const archiveFailure = await ensureQueue(sqs, `${p}-archive-failures`, {
      MessageRetentionPeriod: String(14 * 86_400),
    });
    const ingest = await ensureQueue(sqs, `${p}-ingest`, {
      VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(14 * 86_400),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: ingestDlq.arn,
        maxReceiveCount: settings.maxReceiveCount,
      }),
    });

    const packRequestsDlq = await ensureQueue(sqs, `${p}-pack-requests-dlq`, {
      MessageRetentionPeriod: String(14 * 86_400),
    });
    const packRequests = await ensureQueue(sqs, `${p}-pack-requests`, {
      VisibilityTimeout: String(900),
      MessageRetentionPeriod: String(14 * 86_400),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: packRequestsDlq.arn,
        maxReceiveCount: 3,
      }),
    });

    const busName = `${p}-bus`;
    try {
      await events.send(new CreateEventBusCommand({ Name: busName }));
    } catch (error) {
      if (!(error instanceof ResourceAlreadyExistsException)) throw error;
    }
    const ruleName = `${p}-to-ingest`;
    await events.send(
      new PutRuleCommand({
        Name: ruleName,
        EventBusName: busName,
        State: "ENABLED",
        EventPattern: JSON.stringify({ source: [{ prefix: settings.sourcePrefix }] }),
        Description: "Evidence events to the ingest queue",
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: ruleName,
        EventBusName: busName,
        Targets: [
          {
            Id: "ingest-queue",
            Arn: ingest.arn,
            DeadLetterConfig: { Arn: ingestDlq.arn },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          },
        ],
      }),
    );
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: ingest.url,
        Attributes: {
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: ingest.arn,
              },
            ],
          }),
        },
      }),
    );

    const table = `${p}-events`;
    const tableStreamArn = await ensureEventTable(dynamo, table, dataKeyId);
    const packJobsTable = `${p}-pack-jobs`;
    await ensureTable(dynamo, {
      TableName: packJobsTable,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        {
          AttributeName: PACK_JOBS_TABLE_LAYOUT.partitionKey.name,
          AttributeType: PACK_JOBS_TABLE_LAYOUT.partitionKey.type,
        },
      ],
      KeySchema: [{ AttributeName: PACK_JOBS_TABLE_LAYOUT.partitionKey.name, KeyType: "HASH" }],
      SSESpecification: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: dataKeyId },
    });

    const evidenceBucket = `${p}-evidence`;
    const packsBucket = `${p}-packs`;
    const defaultDays = shortestRetentionDays(settings.retention);
    await ensureLockedBucket(s3, evidenceBucket, settings.objectLockMode, defaultDays, dataKeyId);
    await ensureLockedBucket(s3, packsBucket, settings.objectLockMode, defaultDays, dataKeyId);

    return {
      region: target.region,
      busName,
      ruleName,
      ingestQueueUrl: ingest.url,
      ingestQueueArn: ingest.arn,
      ingestDlqUrl: ingestDlq.url,
      archiveFailureQueueUrl: archiveFailure.url,
      table,
      tableStreamArn,
      evidenceBucket,
      packsBucket,
      packJobsTable,
      packRequestsQueueUrl: packRequests.url,
      packRequestsQueueArn: packRequests.arn,
      packRequestsDlqUrl: packRequestsDlq.url,
      signingKeyId,
      dataKeyId,
    };
  } finally {
    for (const client of [kms, sqs, events, dynamo, s3]) client.destroy();
  }
}

async function ensureKey(
  kms: KMSClient,
  alias: string,
  spec: "ECC_NIST_P256" | "SYMMETRIC_DEFAULT",
  usage: "SIGN_VERIFY" | "ENCRYPT_DECRYPT",
): Promise<string> {
  try {
    const found = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
    if (found.KeyMetadata?.Arn) return found.KeyMetadata.Arn;
  } catch (error) {
    if ((error as { name?: string }).name !== "NotFoundException") throw error;
  }
  const created = await kms.send(
    new CreateKeyCommand({
      KeySpec: spec,
      KeyUsage: usage,
      Description: `evidence plane ${alias.slice("alias/".length)}`,
    }),
  );
  const arn = created.KeyMetadata?.Arn;
  const keyId = created.KeyMetadata?.KeyId;
  if (!arn || !keyId) throw new Error(`KMS CreateKey for ${alias} returned no key`);
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  return arn;
}

async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const created = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  const url = created.QueueUrl;
  if (!url) throw new Error(`SQS CreateQueue ${name} returned no URL`);
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS queue ${name} has no ARN`);
  return { url, arn };
}

async function ensureEventTable(dynamo: DynamoDBClient, table: string, dataKeyId: string) {
  const layout = EVENT_TABLE_LAYOUT;
  const attributes = new Map<string, "S" | "N">([
    [layout.partitionKey.name, layout.partitionKey.type],
    [layout.sortKey.name, layout.sortKey.type],
  ]);
  const indexes = Object.values(layout.indexes).map((index) => {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    attributes.set(index.sortKey.name, index.sortKey.type);
    return {
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: "HASH" as const },
        { AttributeName: index.sortKey.name, KeyType: "RANGE" as const },
      ],
      Projection: { ProjectionType: "ALL" as const },
    };
  });
  await ensureTable(dynamo, {
    TableName: table,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: layout.partitionKey.name, KeyType: "HASH" },
      { AttributeName: layout.sortKey.name, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: indexes,
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
    SSESpecification: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: dataKeyId },
  });
  const described = await dynamo.send(new DescribeTableCommand({ TableName: table }));
  const arn = described.Table?.LatestStreamArn;
  if (!arn) throw new Error(`table ${table} has no stream`);
  return arn;
}

async function ensureTable(
  dynamo: DynamoDBClient,
  input: ConstructorParameters<typeof CreateTableCommand>[0],
): Promise<void> {
  try {
    await dynamo.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

async function ensureLockedBucket(
  s3: S3Client,
  bucket: string,
  mode: LockMode,
  days: number,
  dataKeyId: string,
): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    return;
  }
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: mode, Days: days } },
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: {
              SSEAlgorithm: "aws:kms",
              KMSMasterKeyID: dataKeyId,
            },
            BucketKeyEnabled: true,
          },
        ],
      },
    }),
  );
}
