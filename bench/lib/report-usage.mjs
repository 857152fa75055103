// Preloaded into a measured command (`node --import`): when it exits, writes its peak resident
// memory, CPU time and wall time since the process started to the file named by
// EVIDENCE_BENCH_USAGE_FILE. Plain JavaScript, so measuring loads no type stripper.
import { writeFileSync } from "node:fs";

const target = process.env.EVIDENCE_BENCH_USAGE_FILE;
if (target) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({
        peakRssMb: usage.maxRSS / 1024,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        seconds: performance.now() / 1000,
      }),
    );
  });
}
