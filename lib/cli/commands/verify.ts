import { open, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { quoteForDisplay } from "../../core/canonical/index.ts";
import { PACK_READ_BYTES, PackReadError } from "../../core/pack/reader.ts";
import { readSpki } from "../../core/signing/keys.ts";
import type { Problem } from "../../core/verify/problems.ts";
import { type VerifyReport, verifyPack } from "../../core/verify/verifier.ts";
import { type CliIo, type Command, EXIT, parseCommandLine, UsageError } from "../io.ts";

const usage = (
  program: string,
) => `usage: ${program} PACK|- [--public-key FILE] [--json] [--workers N] [--max-problems N]

Verifies an evidence pack offline: every file digest, every record's digest, signature and
event schema, every hash link, that each stream is complete up to its signed head, and the
manifest signature. Every problem is reported, not only the first.

  PACK               the pack (.tar.gz); - reads standard input
  --public-key FILE  the signing key you trust (SPKI, PEM or DER, as KMS GetPublicKey gives
                     it). Only this key is accepted. Without it the key inside the pack is
                     used, which proves integrity but not who signed.
  --json             print one JSON object: valid, records, problems, key, ...
  --workers N        threads that check signatures (default: ${availableParallelism()}, one per core)
  --max-problems N   problems listed per check, the rest counted (default 100; 0 lists all)

Exit status: 0 valid, 1 invalid (every problem listed), 2 bad usage or not a readable pack.`;

const ARG_OPTIONS = {
  "public-key": { type: "string" },
  json: { type: "boolean" },
  workers: { type: "string" },
  "max-problems": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

interface VerifyArgs {
  readonly pack: string;
  readonly publicKey: string | undefined;
  readonly json: boolean;
  readonly workers: number;
  readonly maxProblems: number;
}

function count(
  value: string | undefined,
  name: string,
  fallback: number,
  usageText: string,
): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value)) {
    throw new UsageError(`${name} takes a whole number, got "${value}"\n\n${usageText}`);
  }
  return Number(value);
}

function parse(args: string[], usageText: string): VerifyArgs | undefined {
  const parsed = parseCommandLine(args, ARG_OPTIONS, usageText);
  if (parsed.values.help === true) return undefined;
  const [pack, ...extra] = parsed.positionals;
  if (pack === undefined)
    throw new UsageError(`name the PACK to verify, or - for standard input\n\n${usageText}`);
  if (extra.length > 0)
    throw new UsageError(`one pack at a time; unexpected ${extra.join(" ")}\n\n${usageText}`);
  return {
    pack,
    publicKey: parsed.values["public-key"],
    json: parsed.values.json === true,
    workers: count(parsed.values.workers, "--workers", availableParallelism(), usageText),
    maxProblems: count(parsed.values["max-problems"], "--max-problems", 100, usageText),
  };
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message;
}

async function readTrustedKey(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read the public key ${path}: ${reason(error)}`);
  }
  try {
    return readSpki(bytes);
  } catch (error) {
    throw new UsageError(`${path} is not a usable public key: ${(error as Error).message}`);
  }
}

async function openPack(path: string, io: CliIo): Promise<AsyncIterable<Uint8Array>> {
  if (path === "-") return io.stdin as AsyncIterable<Uint8Array>;
  try {
    const handle = await open(path, "r");
    return handle.createReadStream({ highWaterMark: PACK_READ_BYTES });
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${reason(error)}`);
  }
}

/** Progress on standard error while a terminal watches; silent in pipes and scripts. */
function progressReporter(io: CliIo): ((p: { records: number }) => void) | undefined {
  const stderr = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  if (stderr.isTTY !== true) return undefined;
  let last = 0;
  return ({ records }) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    stderr.write(`\rverifying: ${records.toLocaleString("en-US")} records checked`);
  };
}

function show(text: string): string {
  return quoteForDisplay(text, 200).slice(1, -1);
}

function where(problem: Problem): string {
  const parts: string[] = [];
  if (problem.file)
    parts.push(problem.line ? `${problem.file} line ${problem.line}` : problem.file);
  if (problem.stream)
    parts.push(problem.seq ? `${problem.stream} seq ${problem.seq}` : problem.stream);
  return parts.map(show).join(", ");
}

function humanReport(report: VerifyReport, source: string): string {
  const lines: string[] = [];
  const pack = report.pack;
  lines.push(`Evidence pack ${show(pack?.packId ?? source)}`);
  if (pack) {
    lines.push(`  scope      ${show(pack.scope.kind)} ${show(pack.scope.value)}`);
    lines.push(
      `  generated  ${show(pack.generatedAt)} by ${show(pack.generator.name)} ${show(pack.generator.version)} (${show(pack.generator.identity)})`,
    );
  }
  const { key } = report;
  if (key.pinned) {
    lines.push(`  key        ${key.fingerprint ?? "(none)"} (pinned with --public-key)`);
  } else if (key.fingerprint) {
    lines.push(`  key        ${key.fingerprint} NOT PINNED`);
    lines.push(
      "             The pack's own key was trusted: this proves the pack is intact, not who signed it.",
    );
    lines.push(
      "             Compare the fingerprint with your signing key, or run again with --public-key FILE.",
    );
  } else {
    lines.push("  key        none: no key was pinned and the pack carries no usable key");
  }
  const s = (n: number, word: string) =>
    `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
  lines.push(
    `  contents   ${s(report.records, "record")} in ${s(report.streams, "stream")}, ${s(report.files, "file")}`,
  );
  lines.push("");
  if (report.valid) {
    lines.push(
      "VALID: every file digest, record digest, signature, event schema and hash link checks out,",
      "each stream is complete up to its signed head, and the manifest signature verifies.",
    );
    return lines.join("\n");
  }
  lines.push(`INVALID: ${s(report.problemCount, "problem")} found`);
  for (const problem of report.problems) {
    const at = where(problem);
    lines.push(`  [${problem.check}] ${at ? `${at}: ` : ""}${show(problem.message)}`);
    if (problem.expected !== undefined || problem.found !== undefined) {
      lines.push(`      expected ${show(problem.expected ?? "-")}`);
      lines.push(`      found    ${show(problem.found ?? "-")}`);
    }
  }
  if (report.problemsOmitted > 0) {
    const counts = Object.entries(report.problemCounts)
      .map(([check, n]) => `${check} ${n}`)
      .join(", ");
    lines.push(
      `  ... ${s(report.problemsOmitted, "more problem")} not listed (per check: ${counts}); --max-problems 0 lists all`,
    );
  }
  return lines.join("\n");
}

/**
 * `PROGRAM PACK [--public-key FILE] [--json]`: offline verification of an evidence pack, as
 * `evidence verify` or as the standalone `evidence-verify`.
 */
export function verifyCommandAs(program: string): Command {
  const usageText = usage(program);
  return {
    name: "verify",
    summary: "verify an evidence pack offline (digests, signatures, chains, completeness)",
    run: (args, io) => runVerify(args, io, usageText),
  };
}

/** `evidence verify PACK [--public-key FILE] [--json]`. */
export const verifyCommand: Command = verifyCommandAs("evidence verify");

async function runVerify(args: string[], io: CliIo, usageText: string): Promise<number> {
  const options = parse(args, usageText);
  if (options === undefined) {
    io.stdout.write(`${usageText}\n`);
    return EXIT.ok;
  }
  const trustedKey = options.publicKey ? await readTrustedKey(options.publicKey) : undefined;
  const source = await openPack(options.pack, io);
  const onProgress = options.json ? undefined : progressReporter(io);
  let report: VerifyReport;
  try {
    report = await verifyPack(source, {
      ...(trustedKey ? { trustedKey } : {}),
      workers: options.workers,
      maxProblemsPerCheck: options.maxProblems,
      ...(onProgress ? { onProgress } : {}),
    });
  } catch (error) {
    if (error instanceof PackReadError) {
      throw new UsageError(`${options.pack} is not an evidence pack: ${error.message}`);
    }
    if (typeof (error as NodeJS.ErrnoException).syscall === "string") {
      throw new UsageError(`cannot read ${options.pack}: ${reason(error)}`);
    }
    throw error;
  } finally {
    if (onProgress) io.stderr.write("\r\u001b[K");
  }
  io.stdout.write(
    options.json ? `${JSON.stringify(report)}\n` : `${humanReport(report, options.pack)}\n`,
  );
  return report.valid ? EXIT.ok : EXIT.invalid;
}
