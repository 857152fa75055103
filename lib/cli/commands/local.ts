import { parseArgs } from "node:util";
import type { CliIo, Command } from "../io.ts";
import { EXIT, UsageError } from "../io.ts";

const USAGE = `usage: evidence local up [--log-level LEVEL] [--api-port PORT] [--json]
       evidence local status [--json]

  up      runs the evidence plane on a local AWS emulator until interrupted (Ctrl-C):
          installs and starts the emulator on first use, creates the bus, queues, table,
          Object Lock buckets and KMS keys, runs the ingest and archive functions behind
          pollers that behave like Lambda's event source mappings, serves the API, and
          writes .evidence-local/endpoints.json
  status  shows where every event is: recorded, quarantined, archived, pending, dead-lettered

  --log-level LEVEL  the functions' log level: DEBUG, INFO, WARN (default), ERROR, SILENT
  --api-port PORT    port of the local API (default: a free port)
  --json             up: print the endpoints as one JSON line; status: print the status as JSON

Exit status: 0 ok, 2 bad usage or no running plane.`;

const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "SILENT"] as const;

/** `evidence local`: the local evidence plane. */
export const localCommand: Command = {
  name: "local",
  summary: "run the evidence plane on a local AWS emulator (up, status)",
  async run(args: string[], io: CliIo): Promise<number> {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(args);
    } catch (error) {
      throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(" ")}\n\n${USAGE}`);
    if (action === "up") return up(values, io);
    if (action === "status") return status(values.json === true, io);
    throw new UsageError(
      `${action === undefined ? "name an action" : `unknown action "${action}"`}: up or status\n\n${USAGE}`,
    );
  },
};

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      "log-level": { type: "string" },
      "api-port": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function up(
  values: { "log-level"?: string; "api-port"?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const logLevel = (values["log-level"] ?? "WARN").toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  let apiPort: number | undefined;
  if (values["api-port"] !== undefined) {
    apiPort = Number(values["api-port"]);
    if (!Number.isInteger(apiPort) || apiPort < 1 || apiPort > 65_535) {
      throw new UsageError("--api-port must be a port number from 1 to 65535");
    }
  }
  const { startLocalPlane } = await import("../../local/plane.ts");
  const { howToPutEvents } = await import("../../local/instructions.ts");
  const { endpointsFile } = await import("../../local/endpoints.ts");
  const plane = await startLocalPlane({
    logLevel: logLevel as (typeof LOG_LEVELS)[number],
    ...(apiPort === undefined ? {} : { apiPort }),
    onProgress: (message) => io.stderr.write(`${message}\n`),
    onError: (error) => io.stderr.write(`retrying after: ${(error as Error).message}\n`),
  });
  const stopped = new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  const { endpoints } = plane;
  if (values.json) {
    io.stdout.write(`${JSON.stringify(endpoints)}\n`);
  } else {
    io.stdout.write(
      [
        "",
        "Local evidence plane is up.",
        `  AWS endpoint     ${endpoints.awsEndpoint} (region ${endpoints.region}, account ${endpoints.account})`,
        `  event bus        ${endpoints.busName}`,
        `  API              ${endpoints.apiUrl}  (GET /health)`,
        `  event table      ${endpoints.table}`,
        `  evidence bucket  ${endpoints.evidenceBucket} (Object Lock)`,
        `  signing key      ${endpoints.signingKeyId}`,
        `  public key       ${endpoints.publicKeyFile}`,
        `  endpoints        ${endpointsFile()}`,
        "",
        howToPutEvents(endpoints),
        "",
        "Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
  }
  const signal = await stopped;
  io.stderr.write(`${signal}: stopping the local plane...\n`);
  await plane.stop();
  io.stderr.write("stopped.\n");
  return EXIT.ok;
}

async function status(json: boolean, io: CliIo): Promise<number> {
  const { readEndpoints, NoLocalPlaneError } = await import("../../local/endpoints.ts");
  let endpoints: Awaited<ReturnType<typeof readEndpoints>>;
  try {
    endpoints = await readEndpoints();
  } catch (error) {
    if (error instanceof NoLocalPlaneError) throw new UsageError(error.message);
    throw error;
  }
  const { connectToPlane } = await import("../../local/connect.ts");
  const { planeStatus, queued } = await import("../../local/status.ts");
  const plane = connectToPlane(endpoints);
  try {
    const current = await planeStatus(plane);
    const pending = queued(current.pending);
    const deadLettered = queued(current.deadLettered);
    const received = current.recorded + current.quarantined + pending + deadLettered;
    if (json) {
      io.stdout.write(`${JSON.stringify({ received, ...current })}\n`);
      return EXIT.ok;
    }
    io.stdout.write(
      [
        `events received      ${received}  (recorded + quarantined + pending + dead-lettered)`,
        `  recorded           ${current.recorded}`,
        `  quarantined        ${current.quarantined}  (s3://${endpoints.evidenceBucket}/quarantine/)`,
        `  pending            ${pending}`,
        `  dead-lettered      ${deadLettered}`,
        `records archived     ${current.archived} of ${current.recorded}`,
        `archive failures     ${queued(current.archiveFailures)}  (run \`evidence reconcile\` to re-archive)`,
        "",
      ].join("\n"),
    );
    return EXIT.ok;
  } finally {
    plane.close();
  }
}
