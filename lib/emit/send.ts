import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { type AwsTarget, clientConfig, EMULATOR_CREDENTIALS } from "../adapters/aws-config.ts";
import { EvidenceBus } from "../adapters/bus.ts";
import { NoLocalPlaneError, readEndpoints } from "../local/endpoints.ts";
import { parseBusArn } from "./request.ts";

/** Where `evidence emit` puts events. */
export interface BusTarget {
  /** `EventBusName` of the PutEvents entry: an ARN for a bus in another account, or a name. */
  readonly bus: string;
  readonly target: AwsTarget;
  /** How the bus was chosen, for messages. */
  readonly origin: "--bus" | "EVIDENCE_BUS_ARN" | "local plane";
}

/** No bus was named and no local plane runs. */
export class NoBusError extends Error {
  override readonly name = "NoBusError";
}

/**
 * The bus to put events on: `--bus`, else `EVIDENCE_BUS_ARN`, else the running local plane's
 * bus (from .evidence-local/endpoints.json). A bus ARN sets the Region; `--endpoint-url` (or the
 * local plane) sets the endpoint. Emulator endpoints accept any credentials, so when none are in
 * the environment the emulator's placeholder credentials are used.
 */
export async function resolveBus(options: {
  readonly bus?: string;
  readonly region?: string;
  readonly endpointUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly root?: string;
}): Promise<BusTarget> {
  const named = options.bus ?? options.env.EVIDENCE_BUS_ARN;
  if (named !== undefined && named !== "") {
    const origin = options.bus !== undefined ? "--bus" : "EVIDENCE_BUS_ARN";
    const arn = parseBusArn(named);
    const region =
      options.region ?? arn?.region ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION;
    if (region === undefined) {
      throw new NoBusError(
        `${origin} "${named}" is not an event bus ARN, so it names no Region; give the ARN (arn:aws:events:<region>:<account>:event-bus/<name>) or --region`,
      );
    }
    const endpoint = options.endpointUrl;
    const credentials =
      endpoint && !options.env.AWS_ACCESS_KEY_ID && !options.env.AWS_PROFILE
        ? EMULATOR_CREDENTIALS
        : undefined;
    return {
      bus: named,
      origin,
      target: {
        region,
        ...(endpoint ? { endpoint } : {}),
        ...(credentials ? { credentials } : {}),
      },
    };
  }
  try {
    const local = await readEndpoints(options.root);
    return {
      bus: local.busName,
      origin: "local plane",
      target: {
        region: local.region,
        endpoint: options.endpointUrl ?? local.awsEndpoint,
        credentials: EMULATOR_CREDENTIALS,
      },
    };
  } catch (error) {
    if (error instanceof NoLocalPlaneError) {
      throw new NoBusError(
        `no evidence bus: give --bus <event bus ARN> or set EVIDENCE_BUS_ARN (or start a local plane: ${error.message})`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Puts one event on the bus, retrying entries EventBridge reports as failed with backoff.
 * Resolves with the EventBridge event id.
 */
export async function sendEvent(
  to: BusTarget,
  entry: { readonly source: string; readonly detailType: string; readonly detail: string },
  client?: EventBridgeClient,
): Promise<string> {
  const own = client === undefined;
  const events = client ?? new EventBridgeClient(clientConfig(to.target));
  try {
    const bus = new EvidenceBus({ client: events, busName: to.bus });
    const [id] = await bus.put([entry]);
    return id ?? "";
  } finally {
    if (own) events.destroy();
  }
}
