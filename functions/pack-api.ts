import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { handlePackApi, type PackApiDeps } from "../lib/packs/api.ts";
import { createPackDeps, packClients, readPackSettings } from "../lib/packs/env.ts";

/**
 * Pack API function (REST API, IAM authorization): pack requests, status and download links,
 * legal holds applied and released. The caller is the IAM principal API Gateway authenticated.
 */
export function createPackApiHandler(deps: () => PackApiDeps, logger: Logger) {
  return middy(
    (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
      handlePackApi(
        event,
        deps(),
        { remainingMs: () => context.getRemainingTimeInMillis() },
        (error) =>
          logger.error("pack API request failed", { error: error as Error, path: event.path }),
      ),
  ).use(injectLambdaContext(logger));
}

const logger = new Logger({ serviceName: "evidence-pack-api" });
let deps: PackApiDeps | undefined;

/** The deployed handler: clients are built from the environment on first use and reused. */
export const handler = createPackApiHandler(() => {
  if (!deps) {
    const settings = readPackSettings();
    deps = createPackDeps(settings, packClients(settings.target));
  }
  return deps;
}, logger);
