import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LocalSigner } from "../lib/adapters/signing/local-signer.ts";
import { sha256Digest } from "../lib/core/digest.ts";
import { recordStatementBytes } from "../lib/core/statement/index.ts";
import { type BareRate, bareVerifyRate } from "./lib/bare-verify.ts";
import { buildBenchPack } from "./lib/build-pack.ts";

/**
 * `npm run bench -- verify [--records N] [--keep]`: builds a pack of N records, verifies it with
 * one worker and with every core (each in a child process, for its peak RSS), and compares the
 * rates with bare crypto.verify on the same number of cores, measured in the same run.
 */

interface ChildResult {
  readonly valid: boolean;
  readonly records: number;
  readonly problems: unknown[];
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

const BARE_MS = 3000;

function log(message: string): void {
  process.stderr.write(`bench verify: ${message}\n`);
}

async function verifyInChild(pack: string, key: string, workers: number): Promise<ChildResult> {
  const script = fileURLToPath(new URL("./lib/verify-child.ts", import.meta.url));
  const child = spawn(process.execPath, [script, pack, key, String(workers)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`verification child exited with ${code}`);
  const result = JSON.parse(output) as ChildResult;
  if (!result.valid) {
    throw new Error(`the benchmark pack did not verify: ${JSON.stringify(result.problems)}`);
  }
  return result;
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

    const loadStart = loadavg()[0] ?? 0;
    log("bare crypto.verify, one core");
    const bareOneBefore = await bare(1);
    log("verifying with one worker");
    const one = await verifyInChild(pack, keyFile, 1);
    const bareOneAfter = await bare(1);
    log(`bare crypto.verify, ${cores} cores`);
    const bareAllBefore = await bare(cores);
    log(`verifying with ${cores} workers`);
    const all = await verifyInChild(pack, keyFile, cores);
    const bareAllAfter = await bare(cores);

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
        packMb: round(packBytes / 1e6, 1),
        loadAverage: { start: round(loadStart, 2), end: round(loadavg()[0] ?? 0, 2) },
      })}\n`,
    );
  } finally {
    if (values.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
