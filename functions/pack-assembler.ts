import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createPackDeps, packClients, readPackSettings } from "../lib/packs/env.ts";
import type { AssemblyMessage, PackServiceDeps } from "../lib/packs/service.ts";
import { runAssembly } from "../lib/packs/service.ts";

/**
 * Pack assembler function: pack requests from the queue, each streamed into the packs bucket
 * under Object Lock, recorded as pack.generated. A failed request is reported for redelivery;
 * after the queue's retries it lands in the dead-letter queue (alarmed).
 */
export function createPackAssemblerHandler(deps: () => PackServiceDeps, logger: Logger) {
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    for (const record of event.Records) {
      let message: AssemblyMessage;
      try {
        message = JSON.parse(record.body) as AssemblyMessage;
        if (typeof message.packId !== "string") throw new Error("no packId");
      } catch (error) {
        // A message that is not a pack request cannot succeed later: log it and drop it.
        logger.error("not a pack request; dropped", { error: error as Error, body: record.body });
        continue;
      }
      try {
        const job = await runAssembly(message, context.invokedFunctionArn, deps());
        logger.info("pack request handled", {
          packId: message.packId,
          status: job?.status ?? "already ready",
          records: job?.result?.records,
          packDigest: job?.result?.packDigest,
          error: job?.error,
        });
      } catch (error) {
        logger.error("pack assembly failed; the queue retries it", {
          packId: message.packId,
          error: error as Error,
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  }).use(injectLambdaContext(logger));
}

const logger = new Logger({ serviceName: "evidence-pack-assembler" });
let deps: PackServiceDeps | undefined;

/** The deployed handler: clients are built from the environment on first use and reused. */
export const handler = createPackAssemblerHandler(() => {
  if (!deps) {
    const settings = readPackSettings();
    deps = createPackDeps(settings, packClients(settings.target), { spoolDir: "/tmp" }).service;
  }
  return deps;
}, logger);
