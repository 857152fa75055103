import { once } from "node:events";
import { Worker } from "node:worker_threads";

/**
 * ECDSA P-256 verifications per second that `threads` threads reach together with nothing but
 * crypto.verify in a loop (KeyObject reused): the ceiling a verifier is measured against.
 */
export async function bareVerifyRate(options: {
  readonly threads: number;
  readonly spki: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly durationMs: number;
}): Promise<number> {
  const { threads, ...setup } = options;
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL("./bare-verify-worker.ts", import.meta.url), { workerData: setup }),
  );
  const results = await Promise.all(
    workers.map(async (worker) => {
      const [result] = (await once(worker, "message")) as [{ count: number; seconds: number }];
      await worker.terminate();
      return result.count / result.seconds;
    }),
  );
  return results.reduce((sum, rate) => sum + rate, 0);
}
