import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { targetFromEnv } from "../lib/adapters/aws-config.ts";
import { EvidenceBus } from "../lib/adapters/bus.ts";
import { METRICS_NAMESPACE } from "../lib/config/layout.ts";
import { validateEvent } from "../lib/core/events/index.ts";
import { type SummarizeDeps, summarizeBatch } from "../lib/key-usage/summarize-batch.ts";

/**
 * Key-usage function: an SQS batch of KMS calls on the evidence keys (CloudTrail via
 * EventBridge) in, one `key-usage.summarized` event per batch out, onto the evidence bus.
 */
export function createKeyUsageHandler(
  deps: (context: Context) => SummarizeDeps,
  logger: Logger,
  metrics?: Metrics,
) {
  const handler = middy(
    (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      summarizeBatch(event, deps(context)),
  ).use(injectLambdaContext(logger));
  return metrics ? handler.use(logMetrics(metrics)) : handler;
}

const logger = new Logger({ serviceName: "evidence-key-usage" });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "evidence-key-usage" });
let bus: EvidenceBus | undefined;

/** The deployed handler: `EVIDENCE_BUS_NAME` names the evidence bus; the client is built once. */
export const handler = createKeyUsageHandler(
  (context) => {
    const busName = process.env.EVIDENCE_BUS_NAME;
    if (!busName)
      throw new Error("EVIDENCE_BUS_NAME is not set; the stack sets it to the evidence bus");
    bus ??= EvidenceBus.forTarget(targetFromEnv(), busName);
    return {
      bus,
      validate: validateEvent,
      actor: { id: context.invokedFunctionArn, displayName: "evidence key-usage summarizer" },
      logger,
      metrics,
    };
  },
  logger,
  metrics,
);
