import { createReadStream, readFileSync } from "node:fs";
import { verifyPack } from "../../lib/core/verify/verifier.ts";

// Verifies one pack in a process of its own, so its peak RSS is the verifier's alone.
// usage: node bench/lib/verify-child.ts PACK PUBLIC_KEY_DER WORKERS
const [pack, keyPath, workers] = process.argv.slice(2);
if (!pack || !keyPath || !workers) throw new Error("usage: verify-child.ts PACK KEY WORKERS");
const trustedKey = readFileSync(keyPath);
const start = performance.now();
const cpuStart = process.cpuUsage();
const report = await verifyPack(createReadStream(pack, { highWaterMark: 256 * 1024 }), {
  trustedKey,
  workers: Number(workers),
});
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
process.stdout.write(
  `${JSON.stringify({
    valid: report.valid,
    records: report.records,
    problems: report.problems.slice(0, 5),
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
