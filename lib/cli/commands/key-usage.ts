import { readFile, writeFile } from "node:fs/promises";
import {
  buildReport,
  callsWithin,
  Expectations,
  ExpectationsError,
  type KeyUsageExpectations,
  type KeyUsageReport,
  type KeyUsageSummary,
  type LedgerSignature,
  parseExpectations,
  parseInstant,
  renderHtml,
  renderText,
  summarize,
} from "../../core/key-usage/index.ts";
import {
  type CliIo,
  type Command,
  EXIT,
  type OptionValues,
  parseOptionsOnly,
  UsageError,
} from "../io.ts";

const USAGE = `usage: evidence key-usage --logs PATH [--ledger FILE]... [options]      (offline)
       evidence key-usage [--since 7d] [--table NAME --region REGION] [options]  (online)

Reports every use of the evidence plane's KMS keys: counts, first and last use per key,
principal, operation and source account, and findings (Sign or Decrypt by a principal not
configured to use the key, key policy changes, grants, DisableKey, ScheduleKeyDeletion, calls
from unexpected accounts or Regions, failed calls). With a ledger it reconciles every Sign call
on the signing key with a record, a pack manifest or an abandoned signature, and every ledger
signature with its Sign call.

Offline, from CloudTrail log files:
  --logs PATH         a CloudTrail log file (.json.gz, as delivered to S3) or a folder of them,
                      searched recursively; repeat for more
  --ledger FILE       an evidence pack (.tar.gz) or an export (.jsonl, one signed record per
                      line); repeat for more. Also adds pack manifests to an online review.
Online, from the key-usage records of the event table:
                      the running local plane by default (.evidence-local/endpoints.json)
  --table NAME        the event table in AWS (credentials from the environment)
  --region REGION     its Region (default: $AWS_REGION)
  --endpoint-url URL  an AWS endpoint other than the default

Options:
  --expect FILE       who may use which key, from where (JSON; see docs/key-usage.md).
                      Without it every principal that signs or decrypts is reported.
  --since WHEN        start of the review: 7d, 24h, 30m, 2w or a date (online default: 7d;
                      offline default: everything in the logs)
  --until WHEN        end of the review (default: now, or the end of the logs)
  --json              print the report as JSON
  --html FILE         also write the report as a self-contained HTML page

Exit status: 0 no findings, 1 findings, 2 bad usage or unreadable input.`;

const OPTIONS = {
  logs: { type: "string", multiple: true },
  ledger: { type: "string", multiple: true },
  expect: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  json: { type: "boolean" },
  html: { type: "string" },
  table: { type: "string" },
  region: { type: "string" },
  "endpoint-url": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = OptionValues<typeof OPTIONS>;

/** Online sources the command can read; tests pass their own. */
export interface KeyUsageDeps {
  readonly now: () => Date;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Online reviews leave the last half hour unjudged: CloudTrail and the summarizer lag behind. */
const ONLINE_GRACE_MS = 30 * 60_000;

function instant(flag: string, text: string | undefined, now: Date): Date | undefined {
  if (text === undefined) return undefined;
  const at = parseInstant(text, now);
  if (!at)
    throw new UsageError(
      `${flag} takes a duration back from now (7d, 24h, 30m, 2w) or a date (2025-06-01); got "${text}"`,
    );
  return at;
}

async function readExpectations(
  path: string | undefined,
): Promise<KeyUsageExpectations | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the expectations file ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the expectations file ${path} is not JSON: ${(error as Error).message}`);
  }
  try {
    return parseExpectations(document);
  } catch (error) {
    if (error instanceof ExpectationsError)
      throw new UsageError(`the expectations file ${path}: ${error.message}`);
    throw error;
  }
}

/** Progress on standard error for long loads: a line every tenth of the way. */
function progress(io: CliIo, what: string): (done: number, total: number) => void {
  let shown = 0;
  return (done, total) => {
    if (total < 50) return;
    const tenth = Math.floor((done * 10) / total);
    if (tenth > shown || done === total) {
      shown = tenth;
      io.stderr.write(`${what}: ${done}/${total}\n`);
    }
  };
}

async function ledgerFiles(paths: readonly string[] | undefined) {
  if (!paths || paths.length === 0) return undefined;
  const { loadLedgerSignatures, LedgerReadError } = await import("../../key-usage/ledger.ts");
  try {
    return await loadLedgerSignatures(paths);
  } catch (error) {
    if (error instanceof LedgerReadError) throw new UsageError(error.message);
    throw error;
  }
}

interface Loaded {
  readonly summary: KeyUsageSummary;
  readonly source: string;
  readonly signTimes?: ReadonlyMap<string, string>;
  readonly ledger?: { signatures: LedgerSignature[]; description: string };
  readonly window?: { start: string; end: string };
  readonly graceMs?: number;
}

async function offline(values: Values, io: CliIo, now: Date): Promise<Loaded> {
  const { loadCloudTrailLogs, LogReadError } = await import("../../key-usage/logs.ts");
  let logs: Awaited<ReturnType<typeof loadCloudTrailLogs>>;
  try {
    logs = await loadCloudTrailLogs(values.logs ?? [], progress(io, "reading CloudTrail files"));
  } catch (error) {
    if (error instanceof LogReadError) throw new UsageError(error.message);
    throw error;
  }
  if (logs.files === 0) {
    throw new UsageError(
      `no CloudTrail log files under ${(values.logs ?? []).join(", ")} (looked for *.json.gz and *.json holding {"Records":[...]})`,
    );
  }
  const since = instant("--since", values.since, now);
  const until = instant("--until", values.until, now);
  const calls = callsWithin(logs.calls, since, until);
  const signTimes = new Map<string, string>();
  for (const call of calls) if (call.requestId) signTimes.set(call.requestId, call.eventTime);
  const summary = summarize(calls);
  const ledger = await ledgerFiles(values.ledger);
  const start = since?.toISOString() ?? summary.window?.start;
  const end = until?.toISOString() ?? summary.window?.end;
  const skipped =
    logs.skipped.length > 0 ? ` (${logs.skipped.length} file(s) without Records skipped)` : "";
  return {
    summary,
    source: `CloudTrail logs: ${logs.files} file(s), ${logs.records} record(s) in ${(values.logs ?? []).join(", ")}${skipped}`,
    signTimes,
    ...(ledger ? { ledger } : {}),
    ...(start && end ? { window: { start, end } } : {}),
  };
}

async function online(values: Values, io: CliIo, deps: KeyUsageDeps): Promise<Loaded> {
  const now = deps.now();
  const since = instant("--since", values.since ?? "7d", now) ?? now;
  const until = instant("--until", values.until, now) ?? now;
  const { DynamoEventStore } = await import("../../adapters/event-store.ts");
  const { readOnlineLedger } = await import("../../key-usage/online.ts");
  let store: InstanceType<typeof DynamoEventStore>;
  let where: string;
  if (values.table !== undefined) {
    const region = values.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION;
    if (!region) throw new UsageError("give --region (or set AWS_REGION) with --table");
    const endpoint = values["endpoint-url"];
    const { EMULATOR_CREDENTIALS } = await import("../../adapters/aws-config.ts");
    // An endpoint other than AWS (an emulator) takes any credentials; use placeholders if none are set.
    const placeholder = endpoint && !deps.env.AWS_ACCESS_KEY_ID && !deps.env.AWS_PROFILE;
    store = DynamoEventStore.forTarget(
      {
        region,
        ...(endpoint ? { endpoint } : {}),
        ...(placeholder ? { credentials: EMULATOR_CREDENTIALS } : {}),
      },
      values.table,
    );
    where = `event table ${values.table} (${region})`;
  } else {
    const { readEndpoints, NoLocalPlaneError } = await import("../../local/endpoints.ts");
    const { emulatorTarget } = await import("../../adapters/aws-config.ts");
    try {
      const local = await readEndpoints();
      store = DynamoEventStore.forTarget(
        emulatorTarget(values["endpoint-url"] ?? local.awsEndpoint, local.region),
        local.table,
      );
      where = `the local plane's event table ${local.table}`;
    } catch (error) {
      if (error instanceof NoLocalPlaneError) {
        throw new UsageError(
          `nothing to review: give --logs PATH (CloudTrail files), or --table NAME for the event table in AWS, or start a local plane (${error.message})`,
        );
      }
      throw error;
    }
  }
  try {
    const days = Math.ceil((until.getTime() - since.getTime()) / 86_400_000) + 2;
    let day = 0;
    const read = await readOnlineLedger(store, { since, until }, () => {
      day += 1;
      if (days > 7) progress(io, "reading ledger days")(day, days);
    });
    const packs = await ledgerFiles(values.ledger);
    return {
      summary: read.summary,
      source: `${read.summaries} key-usage record(s) from ${where}`,
      ledger: {
        signatures: [...read.signatures, ...(packs?.signatures ?? [])],
        description: `${where}${packs ? ` and ${packs.description}` : ""}`,
      },
      window: { start: since.toISOString(), end: until.toISOString() },
      graceMs: ONLINE_GRACE_MS,
    };
  } finally {
    store.client.destroy();
  }
}

/** Creates the command; {@link keyUsageCommand} uses the process's clock and environment. */
export function createKeyUsageCommand(deps: KeyUsageDeps): Command {
  return {
    name: "key-usage",
    summary: "review KMS key usage from CloudTrail and reconcile Sign calls with the ledger",
    async run(args, io) {
      const values = parseOptionsOnly(args, OPTIONS, USAGE, io);
      if (values === undefined) return EXIT.ok;
      const now = deps.now();
      const config = await readExpectations(values.expect);
      const loaded =
        values.logs && values.logs.length > 0
          ? await offline(values, io, now)
          : await online(values, io, deps);
      const report: KeyUsageReport = buildReport({
        summary: loaded.summary,
        expectations: new Expectations(config ?? {}),
        expectationsGiven: config !== undefined,
        generatedAt: now.toISOString(),
        source: loaded.source,
        ...(loaded.ledger ? { ledger: loaded.ledger } : {}),
        ...(loaded.signTimes ? { signTimes: loaded.signTimes } : {}),
        ...(loaded.window ? { window: loaded.window } : {}),
        ...(loaded.graceMs !== undefined ? { graceMs: loaded.graceMs } : {}),
      });
      if (values.html !== undefined) {
        try {
          await writeFile(values.html, renderHtml(report));
        } catch (error) {
          throw new UsageError(`cannot write ${values.html}: ${(error as Error).message}`);
        }
        io.stderr.write(`evidence key-usage: wrote ${values.html}\n`);
      }
      io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
      return report.findings.length === 0 ? EXIT.ok : EXIT.invalid;
    },
  };
}

/** `evidence key-usage`: who used the evidence keys, what looks wrong, and does every signature add up. */
export const keyUsageCommand: Command = createKeyUsageCommand({
  now: () => new Date(),
  env: process.env,
});
