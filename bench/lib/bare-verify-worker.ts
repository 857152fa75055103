import { createPublicKey, verify } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

// The bare limit: crypto.verify in a loop with one reused KeyObject, nothing else.
const setup = workerData as {
  spki: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
  durationMs: number;
};
const key = createPublicKey({ key: Buffer.from(setup.spki), format: "der", type: "spki" });
const message = Buffer.from(setup.message);
const signature = Buffer.from(setup.signature);
for (let i = 0; i < 200; i++) verify("sha256", message, key, signature);
const start = performance.now();
let count = 0;
let elapsed = 0;
while (elapsed < setup.durationMs) {
  for (let i = 0; i < 100; i++) {
    if (!verify("sha256", message, key, signature))
      throw new Error("the baseline signature does not verify");
  }
  count += 100;
  elapsed = performance.now() - start;
}
parentPort?.postMessage({ count, seconds: elapsed / 1000 });
