import { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createPackApiHandler } from "../../functions/pack-api.ts";
import { createPackAssemblerHandler } from "../../functions/pack-assembler.ts";
import type { AwsTarget } from "../adapters/aws-config.ts";
import { SqsQueue } from "../adapters/queue.ts";
import { DEFAULT_CONTROL_MAP } from "../core/controls/index.ts";
import { createPackDeps, type PackSettings } from "../packs/env.ts";
import type { ProxyRoute } from "./api-server.ts";
import { lambdaContext } from "./lambda-context.ts";
import type { PlaneResources, PlaneSettings } from "./provision.ts";
import { SqsPoller } from "./sqs-poller.ts";

/** The pack API route and the assembler's queue poller of a local plane. */
export interface LocalPackService {
  /** Every path of the pack API, served through functions/pack-api.ts. */
  readonly route: ProxyRoute;
  readonly poller: SqsPoller;
}

/**
 * The pack API and assembler on the local plane: the same handlers as in Lambda, with the
 * settings the stack would give them, the API behind the local proxy-event server and the
 * assembler behind a poller of the pack-requests queue (as its event source mapping, batch 1).
 */
export function localPackService(options: {
  readonly target: AwsTarget;
  readonly resources: PlaneResources;
  readonly settings: PlaneSettings;
  readonly clients: {
    readonly dynamodb: DynamoDBClient;
    readonly s3: S3Client;
    readonly sqs: SQSClient;
    readonly kms: KMSClient;
    readonly eventbridge: EventBridgeClient;
  };
  readonly logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
  readonly onError?: (error: unknown) => void;
}): LocalPackService {
  const { resources, settings, clients } = options;
  const packSettings: PackSettings = {
    target: options.target,
    table: resources.table,
    evidenceBucket: resources.evidenceBucket,
    packsBucket: resources.packsBucket,
    jobsTable: resources.packJobsTable,
    requestsQueueUrl: resources.packRequestsQueueUrl,
    busName: resources.busName,
    signingKeyId: resources.signingKeyId,
    lockMode: settings.objectLockMode,
    retention: settings.retention,
    controlMap: DEFAULT_CONTROL_MAP,
  };
  const deps = createPackDeps(packSettings, clients);
  const apiHandler = createPackApiHandler(
    () => deps,
    new Logger({ serviceName: "evidence-pack-api", logLevel: options.logLevel }),
  );
  const assembler = createPackAssemblerHandler(
    () => deps.service,
    new Logger({ serviceName: "evidence-pack-assembler", logLevel: options.logLevel }),
  );
  const poller = new SqsPoller({
    queue: new SqsQueue({ client: clients.sqs, url: resources.packRequestsQueueUrl }),
    queueArn: resources.packRequestsQueueArn,
    region: resources.region,
    handler: (event) => assembler(event, lambdaContext("evidence-pack-assembler", 900_000)),
    batchSize: 1,
    concurrency: 1,
    visibilityTimeoutSeconds: 900,
    retryDelaySeconds: 2,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return {
    route: {
      method: "ANY",
      path: "/{proxy+}",
      handler: (event, context) => apiHandler(event, context),
    },
    poller,
  };
}
