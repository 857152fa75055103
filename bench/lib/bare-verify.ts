import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** What the bare loop reached: verifications per second (wall clock) and per CPU second. */
export interface BareRate {
  readonly perSecond: number;
  readonly perCpuSecond: number;
}

/**
 * ECDSA P-256 verifications per second that `threads` threads reach together with nothing but
 * crypto.verify in a loop (KeyObject reused): the ceiling a verifier is measured against. Runs
 * in a child process so its CPU time can be measured apart from everything else.
 */
export async function bareVerifyRate(options: {
  readonly threads: number;
  readonly spki: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly durationMs: number;
}): Promise<BareRate> {
  const script = fileURLToPath(new URL("./bare-verify-child.ts", import.meta.url));
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  const child = spawn(
    process.execPath,
    [
      script,
      String(options.threads),
      String(options.durationMs),
      b64(options.spki),
      b64(options.message),
      b64(options.signature),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`bare verify child exited with ${code}`);
  const result = JSON.parse(output) as { rate: number; count: number; cpuSeconds: number };
  return { perSecond: result.rate, perCpuSecond: result.count / result.cpuSeconds };
}
