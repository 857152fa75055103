import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open, readFile, rename, rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { PackApiClient } from "../api-client.ts";
import type { CliIo, Command, OptionValues } from "../io.ts";
import { EXIT, parseCommandLine, UsageError } from "../io.ts";
import { API_OPTIONS, RELEASE_OR_WINDOW_OPTIONS, windowScope } from "../scope-options.ts";

const USAGE = `usage: evidence pack create (--release ID | --commit SHA [--repository REPO] | --artifact DIGEST
                              | --from TIME --to TIME [--service NAME])
                             [--reference REF] [--wait] [-o FILE] [--public-key FILE]
                             [--timeout SECONDS] [--api URL] [--region REGION] [--json]
       evidence pack status PACK_ID [--api URL] [--region REGION] [--json]
       evidence pack download PACK_ID -o FILE [--public-key FILE] [--api URL] [--json]

Requests an evidence pack from the pack API (signed with your AWS credentials: the standard
chain of environment, profile and SSO), shows its status, and downloads and verifies it.

  create          request a pack of one release, a commit, an artifact digest, or the evidence
                  received in a time window (from inclusive, to exclusive, RFC 3339)
  status          show a pack request's status
  download        download a ready pack and verify it

  --reference REF    the audit request the pack answers (recorded with it), e.g. AUD-2026-014
  --wait             wait until the pack is ready, showing progress on standard error
  -o, --out FILE     with --wait (or download): save the pack to FILE and verify it offline
  --public-key FILE  the signing key to trust when verifying (PEM or DER); default: the local
                     plane's signing key when the API is the local plane's
  --timeout SECONDS  give up waiting after this long (default 900)
  --api URL          the pack API (default: the running local plane's, from
                     .evidence-local/endpoints.json)
  --region REGION    Region of the API (default: from the API's host name, else AWS_REGION)
  --json             print one JSON object on standard output

Exit status: 0 requested / ready / valid, 1 the pack failed or does not verify, 2 bad usage,
no API, or an error answer from the API.`;

const OPTIONS = {
  ...RELEASE_OR_WINDOW_OPTIONS,
  commit: { type: "string" },
  repository: { type: "string" },
  artifact: { type: "string" },
  reference: { type: "string" },
  wait: { type: "boolean" },
  out: { type: "string", short: "o" },
  "public-key": { type: "string" },
  timeout: { type: "string" },
  ...API_OPTIONS,
} as const;

type Values = OptionValues<typeof OPTIONS>;

/** A pack request as the API shows it. */
interface JobView {
  readonly packId: string;
  readonly status: "queued" | "assembling" | "ready" | "failed";
  readonly scope: Record<string, unknown>;
  readonly requestedBy: string;
  readonly progress?: { readonly records: number; readonly total: number };
  readonly error?: string;
  readonly pack?: {
    readonly bytes: number;
    readonly packDigest: string;
    readonly records: number;
    readonly streams: number;
    readonly releases: readonly string[];
    readonly generatedAt: string;
  };
}

function scopeOf(values: Values): Record<string, string> {
  const given = (["release", "commit", "artifact", "from"] as const).filter(
    (name) => values[name] !== undefined,
  );
  if (given.length !== 1) {
    throw new UsageError(
      `${given.length === 0 ? "name what to pack" : `give one scope, not ${given.map((g) => `--${g}`).join(" and ")}`}: --release, --commit, --artifact, or --from with --to\n\n${USAGE}`,
    );
  }
  if (values.repository !== undefined && values.commit === undefined) {
    throw new UsageError("--repository narrows --commit; give it with --commit");
  }
  const window = windowScope(values);
  if (window) return window;
  if (values.release !== undefined) return { kind: "release", releaseId: values.release };
  if (values.commit !== undefined) {
    return {
      kind: "commit",
      commit: values.commit,
      ...(values.repository ? { repository: values.repository } : {}),
    };
  }
  // One scope was given, and it is none of the others.
  return { kind: "artifact", artifactDigest: values.artifact as string };
}

function isTty(io: CliIo): boolean {
  return (io.stderr as NodeJS.WritableStream & { isTTY?: boolean }).isTTY === true;
}

/** Progress on standard error: one rewritten line on a terminal, a line per change otherwise. */
function progressLine(io: CliIo, quiet: boolean): (text: string) => void {
  let last = "";
  const tty = isTty(io);
  return (text) => {
    if (quiet || text === last) return;
    last = text;
    io.stderr.write(tty ? `\r\u001b[K${text}` : `${text}\n`);
  };
}

function describe(job: JobView): string {
  if (job.status === "assembling" && job.progress) {
    const { records, total } = job.progress;
    const percent = total > 0 ? Math.floor((records / total) * 100) : 0;
    return `pack ${job.packId}: assembling, ${records.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} records (${percent}%)`;
  }
  return `pack ${job.packId}: ${job.status}`;
}

async function waitForPack(
  client: PackApiClient,
  packId: string,
  timeoutSeconds: number,
  show: (text: string) => void,
): Promise<JobView> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let delay = 500;
  for (;;) {
    const job = (await client.request<JobView>("GET", `/packs/${encodeURIComponent(packId)}`)).body;
    show(describe(job));
    if (job.status === "ready" || job.status === "failed") return job;
    if (Date.now() > deadline) {
      throw new UsageError(
        `pack ${packId} is still ${job.status} after ${timeoutSeconds} s; check later with \`evidence pack status ${packId}\``,
      );
    }
    await sleep(delay);
    delay = Math.min(5_000, Math.round(delay * 1.5));
  }
}

async function trustedKey(
  values: Values,
  localKeyFile: string | undefined,
): Promise<{ spki: Buffer; from: string }> {
  const file = values["public-key"] ?? localKeyFile;
  if (!file) {
    throw new UsageError(
      "verifying the pack needs the signing key you trust: give --public-key FILE (the KMS key's public half, from `aws kms get-public-key` or your security team)",
    );
  }
  const { readSpki } = await import("../../core/signing/keys.ts");
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read the public key ${file}: ${(error as Error).message}`);
  }
  try {
    return { spki: readSpki(bytes), from: file };
  } catch (error) {
    throw new UsageError(`${file} is not a usable public key: ${(error as Error).message}`);
  }
}

interface Downloaded {
  readonly file: string;
  readonly bytes: number;
  readonly digest: string;
}

/** Downloads through a presigned link into `file` (via a temporary name), checking the digest. */
async function download(
  client: PackApiClient,
  packId: string,
  file: string,
  show: (text: string) => void,
): Promise<Downloaded> {
  const link = (
    await client.request<{ url: string; packDigest: string; bytes: number }>(
      "GET",
      `/packs/${encodeURIComponent(packId)}/download`,
    )
  ).body;
  const response = await fetch(link.url);
  if (!response.ok || !response.body) {
    throw new UsageError(
      `the download link answered HTTP ${response.status}; run the command again for a fresh link`,
    );
  }
  const hash = createHash("sha256");
  let bytes = 0;
  const temporary = `${file}.${process.pid}.part`;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      show(
        `downloading pack ${packId}: ${(bytes / 1e6).toFixed(1)} of ${(link.bytes / 1e6).toFixed(1)} MB`,
      );
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
      counter,
      createWriteStream(temporary),
    );
    const digest = `sha256:${hash.digest("hex")}`;
    if (digest !== link.packDigest) {
      throw new UsageError(
        `the downloaded file has digest ${digest}, but the pack's is ${link.packDigest}: the download was damaged; run the command again`,
      );
    }
    await rename(temporary, file);
    return { file, bytes, digest };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function verifyFile(file: string, spki: Buffer, show: (text: string) => void) {
  const { verifyPack } = await import("../../core/verify/verifier.ts");
  const { PACK_READ_BYTES } = await import("../../core/pack/reader.ts");
  const handle = await open(file, "r");
  try {
    return await verifyPack(handle.createReadStream({ highWaterMark: PACK_READ_BYTES }), {
      trustedKey: spki,
      onProgress: ({ records }) =>
        show(`verifying: ${records.toLocaleString("en-US")} records checked`),
    });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

interface Outcome {
  job: JobView;
  file?: Downloaded;
  verification?: Awaited<ReturnType<typeof verifyFile>>;
  publicKey?: string;
}

function humanSummary(outcome: Outcome): string {
  const { job } = outcome;
  const lines = [`Pack ${job.packId}: ${job.status}`];
  lines.push(`  scope         ${JSON.stringify(job.scope)}`);
  lines.push(`  requested by  ${job.requestedBy}`);
  if (job.error) lines.push(`  error         ${job.error}`);
  if (job.pack) {
    lines.push(
      `  contents      ${job.pack.records.toLocaleString("en-US")} records in ${job.pack.streams} stream${job.pack.streams === 1 ? "" : "s"}${job.pack.releases.length > 0 ? ` (releases: ${job.pack.releases.join(", ")})` : ""}`,
    );
    lines.push(
      `  digest        ${job.pack.packDigest} (${job.pack.bytes.toLocaleString("en-US")} bytes)`,
    );
  }
  if (outcome.file) {
    lines.push(`  saved to      ${outcome.file.file}`);
    lines.push(`  report        report.html inside it: tar -xzf ${outcome.file.file} report.html`);
  }
  const v = outcome.verification;
  if (v) {
    lines.push(
      v.valid
        ? `  verified      VALID against ${outcome.publicKey}: ${v.records.toLocaleString("en-US")} records, every signature, link and file digest`
        : `  verified      INVALID: ${v.problemCount} problem(s); run \`evidence verify ${outcome.file?.file} --public-key ${outcome.publicKey}\` for the list`,
    );
  }
  return lines.join("\n");
}

function emit(io: CliIo, values: Values, outcome: Outcome): void {
  if (values.json) {
    const { verification } = outcome;
    io.stdout.write(
      `${JSON.stringify({
        ...outcome.job,
        ...(outcome.file ? { file: outcome.file.file } : {}),
        ...(verification
          ? {
              verification: {
                valid: verification.valid,
                records: verification.records,
                problemCount: verification.problemCount,
                problems: verification.problems.slice(0, 20),
                key: verification.key,
              },
            }
          : {}),
      })}\n`,
    );
  } else {
    io.stdout.write(`${humanSummary(outcome)}\n`);
  }
}

function exitOf(outcome: Outcome): number {
  if (outcome.job.status === "failed") return EXIT.invalid;
  if (outcome.verification && !outcome.verification.valid) return EXIT.invalid;
  return EXIT.ok;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, OPTIONS, USAGE);
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    io.stdout.write(`${USAGE}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const timeout = values.timeout === undefined ? 900 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new UsageError("--timeout takes a number of seconds");
  }
  // Usage is checked before anything is asked of the API.
  let scope: Record<string, string> | undefined;
  let packId: string | undefined;
  if (action === "create") {
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}\n\n${USAGE}`);
    scope = scopeOf(values);
    if (values.out && !values.wait) {
      throw new UsageError("-o FILE saves the pack once it is ready: give --wait with it");
    }
  } else if (action === "status" || action === "download") {
    const [id, ...extra] = rest;
    if (!id || extra.length > 0) throw new UsageError(`name one PACK_ID\n\n${USAGE}`);
    if (action === "download" && !values.out) throw new UsageError("download needs -o FILE");
    packId = id;
  } else {
    throw new UsageError(`unknown action "${action}": create, status or download\n\n${USAGE}`);
  }
  const { connectToApi, ApiError, CredentialsError, NoApiError } = await import("../api-client.ts");
  const show = progressLine(io, values.json === true && !isTty(io));
  const clear = () => {
    if (isTty(io)) io.stderr.write("\r\u001b[K");
  };
  try {
    const connection = await connectToApi({
      ...(values.api ? { api: values.api } : {}),
      ...(values.region ? { region: values.region } : {}),
    });
    const { client } = connection;
    const keep = async (packId: string, job: JobView): Promise<Outcome> => {
      if (!values.out || job.status !== "ready") return { job };
      const key = await trustedKey(values, connection.localPublicKeyFile);
      const file = await download(client, packId, values.out, show);
      const verification = await verifyFile(file.file, key.spki, show);
      return { job, file, verification, publicKey: key.from };
    };
    if (scope) {
      if (values.out) await trustedKey(values, connection.localPublicKeyFile);
      const created = await client.request<JobView>("POST", "/packs", {
        scope,
        ...(values.reference ? { requestReference: values.reference } : {}),
      });
      const job = created.body;
      show(`requested pack ${job.packId}`);
      if (!values.wait) {
        clear();
        emit(io, values, { job });
        if (!values.json) {
          io.stdout.write(`Check it with: evidence pack status ${job.packId}\n`);
        }
        return EXIT.ok;
      }
      const done = await waitForPack(client, job.packId, timeout, show);
      const outcome = await keep(job.packId, done);
      clear();
      emit(io, values, outcome);
      return exitOf(outcome);
    }
    if (packId) {
      const job = (await client.request<JobView>("GET", `/packs/${encodeURIComponent(packId)}`))
        .body;
      if (action === "download" && job.status !== "ready") {
        throw new UsageError(
          `pack ${packId} is ${job.status}${job.error ? `: ${job.error}` : ""}; it can be downloaded once ready`,
        );
      }
      const outcome = action === "download" ? await keep(packId, job) : { job };
      clear();
      emit(io, values, outcome);
      return exitOf(outcome);
    }
    throw new UsageError(`unknown action "${action}"`);
  } catch (error) {
    clear();
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
}

/** `evidence pack`: request, follow, download and verify evidence packs. */
export const packCommand: Command = {
  name: "pack",
  summary: "request an evidence pack from the pack API, wait for it, download and verify it",
  run,
};
