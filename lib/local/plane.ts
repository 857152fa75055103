import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { KMSClient } from "@aws-sdk/client-kms";
import type { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createArchiveHandler } from "../../functions/archive.ts";
import { createIngestHandler } from "../../functions/ingest.ts";
import { createS3Client, S3EvidenceArchive } from "../adapters/archive-store.ts";
import {
  type AwsTarget,
  clientConfig,
  EMULATOR_ACCOUNT,
  emulatorTarget,
} from "../adapters/aws-config.ts";
import { DynamoEventStore } from "../adapters/event-store.ts";
import { SqsQueue } from "../adapters/queue.ts";
import { KmsSigner } from "../adapters/signing/kms-signer.ts";
import { DynamoStreamReader } from "../adapters/streams.ts";
import { validateEvent } from "../core/events/index.ts";
import { spkiToPem } from "../core/signing/keys.ts";
import type { ArchiveDeps } from "../pipeline/archive.ts";
import type { IngestDeps } from "../pipeline/ingest.ts";
import { type ReconcileReport, reconcileArchive } from "../pipeline/reconcile.ts";
import { CountingMetrics } from "../pipeline/telemetry.ts";
import { healthRoute, type LocalApi, startLocalApi } from "./api-server.ts";
import { emulatorCallerIdentity } from "./caller-identity.ts";
import { type Emulator, localStateDir, PROJECT_ROOT, startEmulator } from "./emulator/index.ts";
import { type LocalEndpoints, writeEndpoints } from "./endpoints.ts";
import { lambdaContext } from "./lambda-context.ts";
import { type LocalPackService, localPackService } from "./pack-service.ts";
import {
  LOCAL_PLANE_SETTINGS,
  type PlaneResources,
  type PlaneSettings,
  provisionPlane,
} from "./provision.ts";
import { SqsPoller } from "./sqs-poller.ts";
import { type PlaneStatus, planeStatus, queued } from "./status.ts";
import { StreamPoller } from "./stream-poller.ts";

/** Log levels of the plane's functions. */
export type LocalLogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";

/** A function invocation as the pollers make it. */
export type IngestFunction = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface LocalPlaneOptions {
  /** Project root (where `.evidence-local/` lives). @default the repository root */
  readonly root?: string;
  /** Use an emulator that is already running instead of starting one. */
  readonly endpoint?: string;
  /** @default LOCAL_PLANE_SETTINGS (LOCAL_CONFIG) */
  readonly settings?: PlaneSettings;
  /** @default "WARN" */
  readonly logLevel?: LocalLogLevel;
  /** Concurrent ingest pollers. @default 2 */
  readonly ingestConcurrency?: number;
  /** Write `.evidence-local/endpoints.json` and the public key file. @default true */
  readonly writeEndpointsFile?: boolean;
  /** Port of the local API. @default a free port */
  readonly apiPort?: number;
  /** The archive stream mapping's retries. @default { maxRetries: 3, retryBaseMs: 50 } */
  readonly archiveRetry?: { readonly maxRetries?: number; readonly retryBaseMs?: number };
  /** Wraps the ingest function (tests inject crashes here). */
  readonly decorateIngest?: (ingest: IngestFunction) => IngestFunction;
  readonly onProgress?: (message: string) => void;
  /** Told about errors the pollers retry. */
  readonly onError?: (error: unknown) => void;
}

/** The SDK clients the plane's functions use: tests add fault-injecting middleware to them. */
export interface PlaneClients {
  readonly kms: KMSClient;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly streams: DynamoDBStreamsClient;
  readonly eventbridge: EventBridgeClient;
}

/** A running local evidence plane. */
export interface LocalPlane {
  readonly endpoints: LocalEndpoints;
  readonly resources: PlaneResources;
  readonly target: AwsTarget;
  readonly clients: PlaneClients;
  readonly store: DynamoEventStore;
  readonly bucket: S3EvidenceArchive;
  readonly signer: KmsSigner;
  readonly metrics: CountingMetrics;
  /** The emulator the plane started (undefined when it was given one). */
  readonly emulator: Emulator | undefined;
  status(): Promise<PlaneStatus>;
  /** Waits until the queue is empty, the pollers idle and every record archived. */
  waitUntilSettled(options?: {
    timeoutMs?: number;
    onProgress?: (status: PlaneStatus) => void;
  }): Promise<PlaneStatus>;
  /** Archives every record missing from the bucket. */
  reconcile(): Promise<ReconcileReport>;
  /** Stops the pollers, the API and (when it started it) the emulator. */
  stop(): Promise<void>;
}

/** Raised when the plane does not settle in time; says where events are stuck. */
export class PlaneNotSettledError extends Error {
  override readonly name = "PlaneNotSettledError";
}

/**
 * Starts a local evidence plane: the emulator (unless given one), the provisioned resources,
 * the ingest and archive functions behind pollers that behave like Lambda's event source
 * mappings, and the API on a loopback port.
 */
export async function startLocalPlane(options: LocalPlaneOptions = {}): Promise<LocalPlane> {
  const root = options.root ?? PROJECT_ROOT;
  const settings = options.settings ?? LOCAL_PLANE_SETTINGS;
  const progress = options.onProgress ?? (() => {});
  const emulator = options.endpoint
    ? undefined
    : await startEmulator({ root, onProgress: progress });
  const endpoint = options.endpoint ?? (emulator as Emulator).endpoint;
  const stoppers: Array<() => Promise<void>> = [];
  try {
    const target = emulatorTarget(endpoint);
    progress("provisioning the bus, queues, table, buckets and keys...");
    const resources = await provisionPlane(target, settings);

    const clients: PlaneClients = {
      kms: new KMSClient(clientConfig(target)),
      dynamodb: new DynamoDBClient(clientConfig(target)),
      s3: createS3Client(target),
      sqs: new SQSClient(clientConfig(target)),
      streams: new DynamoDBStreamsClient(clientConfig(target)),
      eventbridge: new EventBridgeClient(clientConfig(target)),
    };
    stoppers.push(async () => {
      for (const client of Object.values(clients)) client.destroy();
    });
    const store = new DynamoEventStore({ client: clients.dynamodb, tableName: resources.table });
    const bucket = new S3EvidenceArchive({ client: clients.s3, bucket: resources.evidenceBucket });
    const signer = new KmsSigner({ client: clients.kms, keyId: resources.signingKeyId });
    const metrics = new CountingMetrics();
    const logLevel = options.logLevel ?? "WARN";
    const ingestDeps: IngestDeps = {
      store,
      quarantine: bucket,
      signer,
      validate: validateEvent,
      logger: new Logger({ serviceName: "evidence-ingest", logLevel }),
      metrics,
      // The emulator's EventBridge leaves `account` out of delivered events; AWS always sets it.
      accountWhenMissing: EMULATOR_ACCOUNT,
      quarantineLock: {
        mode: settings.objectLockMode,
        days: settings.retention.release.days,
      },
    };
    const archiveDeps: ArchiveDeps = {
      bucket,
      lockMode: settings.objectLockMode,
      retention: settings.retention,
      logger: new Logger({ serviceName: "evidence-archive", logLevel }),
      metrics,
    };
    const ingestHandler = createIngestHandler(() => ingestDeps, ingestDeps.logger as Logger);
    const archiveHandler = createArchiveHandler(() => archiveDeps, archiveDeps.logger as Logger);
    const baseIngest: IngestFunction = (event, context) => ingestHandler(event, context);
    const ingest = options.decorateIngest ? options.decorateIngest(baseIngest) : baseIngest;

    const ingestQueue = new SqsQueue({ client: clients.sqs, url: resources.ingestQueueUrl });
    const ingestDlq = new SqsQueue({ client: clients.sqs, url: resources.ingestDlqUrl });
    const archiveFailures = new SqsQueue({
      client: clients.sqs,
      url: resources.archiveFailureQueueUrl,
    });
    const sqsPoller = new SqsPoller({
      queue: ingestQueue,
      queueArn: resources.ingestQueueArn,
      region: resources.region,
      handler: (event) => ingest(event, lambdaContext("evidence-ingest")),
      concurrency: options.ingestConcurrency ?? 2,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    const streamPoller = new StreamPoller({
      reader: new DynamoStreamReader({
        client: clients.streams,
        streamArn: resources.tableStreamArn,
      }),
      region: resources.region,
      handler: (event: DynamoDBStreamEvent) =>
        archiveHandler(event, lambdaContext("evidence-archive")),
      onFailure: (failure) => archiveFailures.send(JSON.stringify(failure)),
      ...options.archiveRetry,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    sqsPoller.start();
    stoppers.push(() => sqsPoller.stop());
    streamPoller.start();
    stoppers.push(() => streamPoller.stop());

    const { api, packs } = await startApi(
      target,
      resources,
      settings,
      clients,
      logLevel,
      options.apiPort,
      options.onError,
    );
    stoppers.push(() => api.stop());
    packs.poller.start();
    stoppers.push(() => packs.poller.stop());

    const publicKey = await signer.publicKey();
    const state = localStateDir(root);
    const publicKeyFile = join(state, "signing-public-key.pem");
    const endpoints: LocalEndpoints = {
      ...resources,
      awsEndpoint: endpoint,
      account: EMULATOR_ACCOUNT,
      apiUrl: api.url,
      publicKeyFile,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    if (options.writeEndpointsFile ?? true) {
      await mkdir(state, { recursive: true });
      await writeFile(publicKeyFile, spkiToPem(publicKey.spki));
      const file = await writeEndpoints(endpoints, root);
      // A stopped plane leaves no endpoints behind for clients to find.
      stoppers.push(() => rm(file, { force: true }));
    }

    const status = () => planeStatus({ store, bucket, ingestQueue, ingestDlq, archiveFailures });
    let stopped: Promise<void> | undefined;
    return {
      endpoints,
      resources,
      target,
      clients,
      store,
      bucket,
      signer,
      metrics,
      emulator,
      status,
      async waitUntilSettled(wait = {}) {
        const deadline = Date.now() + (wait.timeoutMs ?? 120_000);
        // When a status check that began at `quietFrom` found nothing left to do, the plane has
        // settled once the stream mapping has read the whole stream again after that moment and
        // a later check still finds nothing to do.
        let quietFrom: number | undefined;
        for (;;) {
          const checkedAt = Date.now();
          const current = await status();
          wait.onProgress?.(current);
          const quiet =
            queued(current.pending) === 0 &&
            sqsPoller.isIdle &&
            current.archived + queued(current.archiveFailures) >= current.recorded;
          if (!quiet) quietFrom = undefined;
          else if (quietFrom === undefined) quietFrom = checkedAt;
          else if (streamPoller.foundNothingSince(quietFrom)) return current;
          if (Date.now() > deadline) {
            throw new PlaneNotSettledError(
              `the plane did not settle: ${queued(current.pending)} message(s) pending, ${current.recorded} recorded, ${current.archived} archived; ${sqsPoller.describe()}; ${streamPoller.describe()}`,
            );
          }
          // Each check reads the whole table and bucket listing: rarely while work is under way.
          await sleep(quiet ? 250 : 1_000);
        }
      },
      reconcile: () =>
        reconcileArchive(
          { records: () => store.scanRecords(), archivedKeys: (prefix) => bucket.keys(prefix) },
          archiveDeps,
        ),
      stop() {
        stopped ??= (async () => {
          for (const stop of stoppers.reverse()) await stop();
          await emulator?.stop();
        })();
        return stopped;
      },
    };
  } catch (error) {
    for (const stop of stoppers.reverse()) await stop().catch(() => {});
    await emulator?.stop();
    throw error;
  }
}

/**
 * Serves the health route and the pack API through functions/pack-api.ts (callers identified
 * from their SigV4 signature, as API Gateway's IAM authorization does), and runs the pack
 * assembler behind a poller of the pack-requests queue.
 */
async function startApi(
  target: AwsTarget,
  resources: PlaneResources,
  settings: PlaneSettings,
  clients: PlaneClients,
  logLevel: LocalLogLevel,
  port: number | undefined,
  onError: ((error: unknown) => void) | undefined,
): Promise<{ api: LocalApi; packs: LocalPackService }> {
  const packs = localPackService({
    target,
    resources,
    settings,
    clients,
    logLevel,
    ...(onError ? { onError } : {}),
  });
  const api = await startLocalApi([healthRoute, packs.route], {
    ...(port === undefined ? {} : { port }),
    identify: emulatorCallerIdentity(target.endpoint ?? "", target.region),
  });
  return { api, packs };
}
