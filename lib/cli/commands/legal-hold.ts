import { setTimeout as sleep } from "node:timers/promises";
import type { CliIo, Command, OptionValues } from "../io.ts";
import { EXIT, parseCommandLine, UsageError } from "../io.ts";
import { API_OPTIONS, RELEASE_OR_WINDOW_OPTIONS, windowScope } from "../scope-options.ts";

const USAGE = `usage: evidence legal-hold apply (--release ID | --from TIME --to TIME [--service NAME])
                                --case ID --reason TEXT [--api URL] [--region REGION] [--json]
       evidence legal-hold release --case ID --reason TEXT
                                [--release ID | --from TIME --to TIME [--service NAME]]
                                [--api URL] [--region REGION] [--json]

Places or lifts an S3 legal hold on every object version in scope: each archived record of the
release (or received in the window, from inclusive, to exclusive) and each pack of that scope.
Each is recorded as evidence (legal-hold.applied, legal-hold.released). A hold must be released
by a different principal than the one who applied it. A legal hold keeps objects beyond their
Object Lock retention until it is released. Large scopes are applied in several calls; the
command repeats them until the hold is complete, showing progress on standard error.

  --case ID        the case id, such as LIT-2026-0031
  --reason TEXT    why the hold is placed or lifted (recorded)
  --release ID     apply: the release to hold; release: refuse unless the case covers it
  --from, --to     apply: the window to hold; release: refuse unless the case covers it
  --service NAME   narrows a window to one service's evidence
  --api URL        the pack API (default: the running local plane's)
  --region REGION  Region of the API (default: from its host name, else AWS_REGION)
  --json           print the outcome as one JSON object

Exit status: 0 done, 2 bad usage, no API, or refused by the API (for example a release by the
principal who applied the hold).`;

const OPTIONS = {
  ...RELEASE_OR_WINDOW_OPTIONS,
  case: { type: "string" },
  reason: { type: "string" },
  ...API_OPTIONS,
} as const;

type Values = OptionValues<typeof OPTIONS>;

interface HoldOutcome {
  readonly caseId: string;
  readonly status: string;
  readonly scope: Record<string, unknown>;
  readonly complete: boolean;
  readonly versions: number;
  readonly keptForOtherCases: number;
  readonly records: number;
  readonly packs: number;
  readonly appliedBy: string;
  readonly releasedBy?: string;
  readonly message: string;
}

function scopeOf(values: Values, required: boolean): Record<string, string> | undefined {
  if (values.release !== undefined && values.from !== undefined) {
    throw new UsageError("give --release or --from/--to, not both");
  }
  const window = windowScope(values);
  if (values.release !== undefined) return { kind: "release", releaseId: values.release };
  if (window) return window;
  if (required)
    throw new UsageError(`name what to hold: --release ID, or --from and --to\n\n${USAGE}`);
  return undefined;
}

/** `evidence legal-hold`: apply and release legal holds through the pack API. */
export const legalHoldCommand: Command = {
  name: "legal-hold",
  summary: "place or lift a legal hold on a release's or a window's evidence (recorded)",
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine(args, OPTIONS, USAGE);
    const [action, ...rest] = positionals;
    if (values.help || action === undefined) {
      io.stdout.write(`${USAGE}\n`);
      return values.help ? EXIT.ok : EXIT.usage;
    }
    if (action !== "apply" && action !== "release") {
      throw new UsageError(`unknown action "${action}": apply or release\n\n${USAGE}`);
    }
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}\n\n${USAGE}`);
    if (!values.case) throw new UsageError(`give the case id with --case\n\n${USAGE}`);
    if (!values.reason)
      throw new UsageError(`give the reason with --reason (it is recorded)\n\n${USAGE}`);
    const scope = scopeOf(values, action === "apply");
    const { connectToApi, ApiError, CredentialsError, NoApiError } = await import(
      "../api-client.ts"
    );
    const tty = (io.stderr as NodeJS.WritableStream & { isTTY?: boolean }).isTTY === true;
    try {
      const { client } = await connectToApi({
        ...(values.api ? { api: values.api } : {}),
        ...(values.region ? { region: values.region } : {}),
      });
      const path =
        action === "apply"
          ? "/legal-holds"
          : `/legal-holds/${encodeURIComponent(values.case)}/release`;
      const body =
        action === "apply"
          ? { caseId: values.case, reason: values.reason, scope }
          : { reason: values.reason, ...(scope ? { scope } : {}) };
      let outcome: HoldOutcome;
      let versions = 0;
      for (let call = 1; ; call++) {
        outcome = (await client.request<HoldOutcome>("POST", path, body)).body;
        versions += outcome.versions;
        if (outcome.complete) break;
        const line = `legal hold ${values.case}: ${versions} object version(s) ${action === "apply" ? "held" : "released"} so far (call ${call})`;
        io.stderr.write(tty ? `\r\u001b[K${line}` : `${line}\n`);
        await sleep(200);
      }
      if (tty) io.stderr.write("\r\u001b[K");
      const result = { ...outcome, versions };
      if (values.json) {
        io.stdout.write(`${JSON.stringify(result)}\n`);
      } else {
        io.stdout.write(
          [
            outcome.message,
            `  case        ${outcome.caseId} (${outcome.status})`,
            `  scope       ${JSON.stringify(outcome.scope)}`,
            `  in scope    ${outcome.records} archived record(s), ${outcome.packs} pack(s)`,
            `  versions    ${versions} object version(s) ${action === "apply" ? "placed under" : "lifted from"} legal hold${outcome.keptForOtherCases > 0 ? `; ${outcome.keptForOtherCases} kept for other open cases` : ""}`,
            `  applied by  ${outcome.appliedBy}`,
            ...(outcome.releasedBy ? [`  released by ${outcome.releasedBy}`] : []),
            "",
          ].join("\n"),
        );
      }
      return EXIT.ok;
    } catch (error) {
      if (tty) io.stderr.write("\r\u001b[K");
      if (error instanceof ApiError) {
        throw new UsageError(
          `the pack API refused: ${error.message} (HTTP ${error.status} ${error.code})`,
        );
      }
      if (error instanceof CredentialsError || error instanceof NoApiError) {
        throw new UsageError(error.message);
      }
      throw error;
    }
  },
};
