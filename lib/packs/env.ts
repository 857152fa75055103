import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { KMSClient } from "@aws-sdk/client-kms";
import type { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import packageJson from "../../package.json" with { type: "json" };
import { createS3Client, type LockMode } from "../adapters/archive-store.ts";
import { type AwsTarget, clientConfig } from "../adapters/aws-config.ts";
import { EvidenceBus } from "../adapters/bus.ts";
import { SqsQueue } from "../adapters/queue.ts";
import { KmsSigner } from "../adapters/signing/kms-signer.ts";
import { type ControlMap, DEFAULT_CONTROL_MAP, parseControlMap } from "../core/controls/index.ts";
import type { EvidenceClass, RetentionPeriod } from "../core/retention.ts";
import { PipelineEnvError, readPipelineEnv } from "../pipeline/env.ts";
import type { PackApiDeps } from "./api.ts";
import { S3LockedObjects } from "./bucket.ts";
import { DynamoEvidenceSource } from "./evidence-source.ts";
import { PackJobs } from "./jobs.ts";
import type { PackServiceDeps, PackSigner } from "./service.ts";

/**
 * Settings of the pack functions. In Lambda they come from the environment the stack sets:
 * `EVENT_TABLE`, `EVIDENCE_BUCKET`, `PACKS_BUCKET`, `PACK_JOBS_TABLE`,
 * `PACK_REQUESTS_QUEUE_URL`, `SIGNING_KEY_ID`, `EVIDENCE_BUS_NAME`, `OBJECT_LOCK_MODE`,
 * `RETENTION_DAYS`, and optionally `CONTROL_MAP` (a control map as JSON, docs/controls.md).
 */
export interface PackSettings {
  readonly target: AwsTarget;
  readonly table: string;
  readonly evidenceBucket: string;
  readonly packsBucket: string;
  readonly jobsTable: string;
  readonly requestsQueueUrl: string;
  readonly busName: string;
  readonly signingKeyId: string;
  readonly lockMode: LockMode;
  readonly retention: Readonly<Record<EvidenceClass, RetentionPeriod>>;
  readonly controlMap: ControlMap;
}

/** The SDK clients the pack functions use; created once per function and reused. */
export interface PackClients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly kms: KMSClient;
  readonly eventbridge: EventBridgeClient;
}

/** The version packs name as their generator's. */
export const GENERATOR_VERSION: string = packageJson.version;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new PipelineEnvError(`environment variable ${name} is not set`);
  return value;
}

/** Reads the pack functions' environment; throws naming the variable that is missing or wrong. */
export function readPackSettings(env: NodeJS.ProcessEnv = process.env): PackSettings {
  const pipeline = readPipelineEnv(env);
  let controlMap = DEFAULT_CONTROL_MAP;
  if (env.CONTROL_MAP) {
    try {
      controlMap = parseControlMap(JSON.parse(env.CONTROL_MAP));
    } catch (error) {
      throw new PipelineEnvError(
        `CONTROL_MAP is not a usable control map: ${(error as Error).message}`,
      );
    }
  }
  return {
    target: pipeline.target,
    table: pipeline.table,
    evidenceBucket: pipeline.bucket,
    packsBucket: required(env, "PACKS_BUCKET"),
    jobsTable: required(env, "PACK_JOBS_TABLE"),
    requestsQueueUrl: required(env, "PACK_REQUESTS_QUEUE_URL"),
    busName: required(env, "EVIDENCE_BUS_NAME"),
    signingKeyId: required(env, "SIGNING_KEY_ID"),
    lockMode: pipeline.lockMode,
    retention: pipeline.retention,
    controlMap,
  };
}

/** Clients for `target`. */
export function packClients(target: AwsTarget): PackClients {
  return {
    dynamodb: new DynamoDBClient(clientConfig(target)),
    s3: createS3Client(target),
    sqs: new SQSClient(clientConfig(target)),
    kms: new KMSClient(clientConfig(target)),
    eventbridge: new EventBridgeClient(clientConfig(target)),
  };
}

/** A KMS signer whose public key is fetched once. */
function cachedSigner(settings: PackSettings, clients: PackClients): PackSigner {
  const kms = new KmsSigner({ keyId: settings.signingKeyId, client: clients.kms });
  let publicKey: Promise<{ spki: Uint8Array }> | undefined;
  return {
    keyId: kms.keyId,
    sign: (message) => kms.sign(message),
    publicKey: () => {
      publicKey ??= kms.publicKey();
      publicKey.catch(() => {
        publicKey = undefined;
      });
      return publicKey;
    },
  };
}

/** The pack API's and the assembler's dependencies from settings and clients. */
export function createPackDeps(
  settings: PackSettings,
  clients: PackClients,
  options: { spoolDir?: string; clock?: () => Date } = {},
): PackApiDeps {
  const source = new DynamoEvidenceSource({ client: clients.dynamodb, tableName: settings.table });
  const jobs = new PackJobs({ client: clients.dynamodb, tableName: settings.jobsTable });
  const evidence = new S3LockedObjects({ client: clients.s3, bucket: settings.evidenceBucket });
  const packs = new S3LockedObjects({ client: clients.s3, bucket: settings.packsBucket });
  const recorder = new EvidenceBus({ client: clients.eventbridge, busName: settings.busName });
  const service: PackServiceDeps = {
    source,
    jobs,
    requests: new SqsQueue({ client: clients.sqs, url: settings.requestsQueueUrl }),
    evidence,
    packs,
    s3: clients.s3,
    recorder,
    signer: cachedSigner(settings, clients),
    controlMap: settings.controlMap,
    lockMode: settings.lockMode,
    packRetentionDays: settings.retention.governance.days,
    version: GENERATOR_VERSION,
    ...options,
  };
  return {
    service,
    holds: {
      source,
      evidence,
      packs,
      jobs,
      recorder,
      ...(options.clock ? { clock: options.clock } : {}),
    },
  };
}
