import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { METRICS_NAMESPACE } from "../lib/config/layout.ts";
import type { ArchiveDeps } from "../lib/pipeline/archive.ts";
import { archiveBatch } from "../lib/pipeline/batch.ts";
import { archiveDepsFromEnv, readPipelineEnv } from "../lib/pipeline/env.ts";

/**
 * Archive function: a DynamoDB stream batch in, every new record written to the Object Lock
 * evidence bucket; failed records are reported so Lambda retries from the first of them.
 */
export function createArchiveHandler(deps: () => ArchiveDeps, logger: Logger, metrics?: Metrics) {
  const handler = middy(
    (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => archiveBatch(event, deps()),
  ).use(injectLambdaContext(logger));
  return metrics ? handler.use(logMetrics(metrics)) : handler;
}

const logger = new Logger({ serviceName: "evidence-archive" });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "evidence-archive" });
let deps: ArchiveDeps | undefined;

/** The deployed handler: clients are built from the environment on first use and reused. */
export const handler = createArchiveHandler(
  () => {
    deps ??= archiveDepsFromEnv(readPipelineEnv(), { logger, metrics });
    return deps;
  },
  logger,
  metrics,
);
