import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { METRICS_NAMESPACE } from "../lib/config/layout.ts";
import { validateEvent } from "../lib/core/events/index.ts";
import { ingestBatch } from "../lib/pipeline/batch.ts";
import { ingestDepsFromEnv, readPipelineEnv } from "../lib/pipeline/env.ts";
import type { IngestDeps } from "../lib/pipeline/ingest.ts";

/**
 * Ingest function: an SQS batch of EventBridge evidence events in, each recorded once (signed,
 * chained) or quarantined with its reasons; failed messages are reported for redelivery.
 */
export function createIngestHandler(deps: () => IngestDeps, logger: Logger, metrics?: Metrics) {
  const handler = middy(
    (event: SQSEvent): Promise<SQSBatchResponse> => ingestBatch(event, deps()),
  ).use(injectLambdaContext(logger));
  return metrics ? handler.use(logMetrics(metrics)) : handler;
}

const logger = new Logger({ serviceName: "evidence-ingest" });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "evidence-ingest" });
let deps: IngestDeps | undefined;

/** The deployed handler: clients are built from the environment on first use and reused. */
export const handler = createIngestHandler(
  () => {
    deps ??= ingestDepsFromEnv(readPipelineEnv(), { logger, metrics, validate: validateEvent });
    return deps;
  },
  logger,
  metrics,
);
