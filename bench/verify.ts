import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LocalSigner } from "../lib/adapters/signing/local-signer.ts";
import { sha256Digest } from "../lib/core/digest.ts";
import { recordStatementBytes } from "../lib/core/statement/index.ts";
import { buildVerifier, VERIFIER_FILE } from "../scripts/build-verifier.ts";
import { type BareRate, bareVerifyRate } from "./lib/bare-verify.ts";
import { buildBenchPack } from "./lib/build-pack.ts";

/**
 * `npm run bench -- verify [--records N] [--keep]`: builds a pack of N records and the standalone
 * verifier (`npm run build:verifier`), runs the verifier on the pack with one worker and with
 * every core, each as a command in a process of its own (for its peak RSS), and compares the rates
 * with bare crypto.verify on the same number of cores, measured in the same run. It also runs
 * `evidence verify` from the TypeScript sources with every core, for its memory.
 */

/** What one verification run cost, measured in its own process. */
interface RunResult {
  readonly records: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

const BARE_MS = 3000;
const REPORT_USAGE = fileURLToPath(new URL("./lib/report-usage.mjs", import.meta.url));
const SOURCE_CLI = fileURLToPath(new URL("../bin/evidence.ts", import.meta.url));

function log(message: string): void {
  process.stderr.write(`bench verify: ${message}\n`);
}

/**
 * Runs a verifier command line (`node ARGS... PACK --public-key KEY --workers N --json`) in a
 * process of its own and reads its report and its resource use.
 */
async function verifyInChild(
  command: readonly string[],
  pack: string,
  key: string,
  workers: number,
  dir: string,
): Promise<RunResult> {
  const usageFile = join(dir, `usage-${workers}-${Date.now()}.json`);
  const args = [...command, pack, "--public-key", key, "--workers", String(workers), "--json"];
  const child = spawn(process.execPath, ["--import", REPORT_USAGE, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, EVIDENCE_BENCH_USAGE_FILE: usageFile },
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const report = JSON.parse(output) as { valid: boolean; records: number; problems: unknown[] };
  if (code !== 0 || !report.valid) {
    throw new Error(
      `the benchmark pack did not verify (exit ${code}): ${JSON.stringify(report.problems.slice(0, 5))}`,
    );
  }
  const usage = JSON.parse(readFileSync(usageFile, "utf8")) as Omit<RunResult, "records">;
  return { records: report.records, ...usage };
}

export default async function verifyBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { records: { type: "string", default: "100000" }, keep: { type: "boolean" } },
  });
  const count = Number(values.records);
  if (!Number.isSafeInteger(count) || count < 1)
    throw new Error("--records takes a positive whole number");
  const cores = availableParallelism();
  const dir = mkdtempSync(join(tmpdir(), "bench-verify-"));
  const pack = join(dir, "bench.evidence.tar.gz");
  const keyFile = join(dir, "public-key.der");
  try {
    const signer = LocalSigner.generate();
    writeFileSync(keyFile, signer.publicKeySpki);
    log(`building a pack of ${count.toLocaleString("en-US")} records in ${dir}`);
    const step = Math.max(1000, Math.floor(count / 10));
    let reported = 0;
    const buildStart = performance.now();
    await buildBenchPack({
      count,
      path: pack,
      signer,
      onProgress: (made) => {
        if (made - reported >= step || made === count) {
          reported = made;
          log(`  ${made.toLocaleString("en-US")} records built and signed`);
        }
      },
    });
    const packBytes = statSync(pack).size;
    log(
      `pack written: ${(packBytes / 1e6).toFixed(1)} MB in ${((performance.now() - buildStart) / 1000).toFixed(1)} s`,
    );

    // The baseline signs a statement of the same shape and size as the pack's.
    const message = recordStatementBytes({
      digest: sha256Digest("bench"),
      stream: "release/bench-00000@2026.03",
      seq: 500,
      time: "2026-03-01T00:00:05.005Z",
      keyId: signer.keyId,
    });
    const bare = (threads: number) =>
      bareVerifyRate({
        threads,
        spki: signer.publicKeySpki,
        message,
        signature: signer.signSync(message),
        durationMs: BARE_MS,
      });

    const built = await buildVerifier(join(dir, "verifier"));
    const standalone = [join(dir, "verifier", VERIFIER_FILE)];
    log(`standalone verifier built: ${built.map((file) => file.path).join(", ")}`);

    const loadStart = loadavg()[0] ?? 0;
    log("bare crypto.verify, one core");
    const bareOneBefore = await bare(1);
    log("verifying with one worker");
    const one = await verifyInChild(standalone, pack, keyFile, 1, dir);
    const bareOneAfter = await bare(1);
    log(`bare crypto.verify, ${cores} cores`);
    const bareAllBefore = await bare(cores);
    log(`verifying with ${cores} workers`);
    const all = await verifyInChild(standalone, pack, keyFile, cores, dir);
    const bareAllAfter = await bare(cores);
    log(`verifying from the TypeScript sources with ${cores} workers`);
    const fromSource = await verifyInChild([SOURCE_CLI, "verify"], pack, keyFile, cores, dir);

    const mean = (a: BareRate, b: BareRate): BareRate => ({
      perSecond: (a.perSecond + b.perSecond) / 2,
      perCpuSecond: (a.perCpuSecond + b.perCpuSecond) / 2,
    });
    const bareOne = mean(bareOneBefore, bareOneAfter);
    const bareAll = mean(bareAllBefore, bareAllAfter);
    const oneRate = one.records / one.seconds;
    const allRate = all.records / all.seconds;
    const round = (value: number, digits: number) => Number(value.toFixed(digits));
    process.stdout.write(
      `${JSON.stringify({
        bench: "verify",
        records: count,
        recordsPerSec: Math.round(allRate),
        ratioSingleCore: round(oneRate / bareOne.perSecond, 3),
        ratioAllCores: round(allRate / bareAll.perSecond, 3),
        peakRssMb: round(Math.max(one.peakRssMb, all.peakRssMb), 1),
        cores,
        recordsPerSecOneWorker: Math.round(oneRate),
        bareVerifyPerSecOneCore: Math.round(bareOne.perSecond),
        bareVerifyPerSecAllCores: Math.round(bareAll.perSecond),
        // Records per CPU second of the whole verifying process (main thread, gunzip, workers)
        // over bare verifications per CPU second: what the verifier costs beside the bare
        // signature checks, and unmoved by other work sharing the machine.
        cpuRatioOneWorker: round(one.records / one.cpuSeconds / bareOne.perCpuSecond, 3),
        cpuRatioAllCores: round(all.records / all.cpuSeconds / bareAll.perCpuSecond, 3),
        seconds: { oneWorker: round(one.seconds, 2), allCores: round(all.seconds, 2) },
        peakRssMbOneWorker: round(one.peakRssMb, 1),
        // `evidence verify` run from the sources: Node's type stripper on every thread.
        fromSource: {
          recordsPerSec: Math.round(fromSource.records / fromSource.seconds),
          peakRssMb: round(fromSource.peakRssMb, 1),
        },
        packMb: round(packBytes / 1e6, 1),
        loadAverage: { start: round(loadStart, 2), end: round(loadavg()[0] ?? 0, 2) },
      })}\n`,
    );
  } finally {
    if (values.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
