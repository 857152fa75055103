import { once } from "node:events";
import { Worker } from "node:worker_threads";

// Runs the bare crypto.verify loop on THREADS threads in a process of its own, so the process's
// CPU time is the loop's alone. usage: node bare-verify-child.ts THREADS MS SPKI MESSAGE SIGNATURE
// (the last three base64). Prints { rate, count, cpuSeconds }.
const [threads, durationMs, spki, message, signature] = process.argv.slice(2);
const setup = {
  spki: Buffer.from(spki ?? "", "base64"),
  message: Buffer.from(message ?? "", "base64"),
  signature: Buffer.from(signature ?? "", "base64"),
  durationMs: Number(durationMs),
};
const cpuStart = process.cpuUsage();
const workers = Array.from(
  { length: Number(threads) },
  () => new Worker(new URL("./bare-verify-worker.ts", import.meta.url), { workerData: setup }),
);
const results = await Promise.all(
  workers.map(async (worker) => {
    const [result] = (await once(worker, "message")) as [{ count: number; seconds: number }];
    await worker.terminate();
    return result;
  }),
);
const cpu = process.cpuUsage(cpuStart);
process.stdout.write(
  `${JSON.stringify({
    rate: results.reduce((sum, r) => sum + r.count / r.seconds, 0),
    count: results.reduce((sum, r) => sum + r.count, 0),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  })}\n`,
);
