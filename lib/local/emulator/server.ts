import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureEmulatorInstalled } from "./install.ts";

/** A running AWS emulator on a loopback port. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`: pass as `endpoint` to every AWS SDK client. */
  readonly endpoint: string;
  readonly port: number;
  /** Clears every resource in the emulator. */
  reset(): Promise<void>;
  /** Stops the emulator process; safe to call twice. */
  stop(): Promise<void>;
}

/** Raised when the emulator does not start or does not answer. */
export class EmulatorStartError extends Error {
  override readonly name = "EmulatorStartError";
}

const SERVE_SCRIPT = join(import.meta.dirname, "serve.py");
const READY_LINE = /Running on http:\/\/127\.0\.0\.1:(\d+)/;

/**
 * Installs (on first use) and starts the pinned moto server on a free loopback port, waits until
 * it answers, and stops it when this process exits.
 *
 * @example
 * const emulator = await startEmulator();
 * const s3 = new S3Client({ endpoint: emulator.endpoint, forcePathStyle: true, region: "us-east-1" });
 * await emulator.stop();
 */
export async function startEmulator(
  options: { root?: string; onProgress?: (message: string) => void; startTimeoutMs?: number } = {},
): Promise<Emulator> {
  const install = await ensureEmulatorInstalled(options);
  options.onProgress?.("starting the AWS emulator...");
  // Port 0: the operating system picks a free port and the server prints it. serve.py is
  // moto_server with DynamoDB conditions applied atomically (see the file).
  const child = spawn(install.python, [SERVE_SCRIPT, "-H", "127.0.0.1", "-p", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1", FLASK_DEBUG: "0" },
  });
  const stopOnExit = () => {
    child.kill("SIGTERM");
  };
  process.once("exit", stopOnExit);
  let port: number;
  try {
    port = await waitForPort(child, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    child.kill("SIGKILL");
    process.off("exit", stopOnExit);
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(endpoint, options.startTimeoutMs ?? 60_000);
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    reset: () => resetEmulator(endpoint),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        process.off("exit", stopOnExit);
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        child.kill("SIGTERM");
      });
      return stopped;
    },
  };
}

/** Clears every resource of the emulator at `endpoint`. */
export async function resetEmulator(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  if (!response.ok) {
    throw new EmulatorStartError(`emulator reset failed with HTTP ${response.status}`);
  }
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => fail(`the emulator printed no address within ${timeoutMs} ms`),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY_LINE.exec(output);
      if (match?.[1]) {
        cleanup();
        // Keep draining so a full pipe never blocks the server.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null) =>
      fail(`the emulator exited (code ${code}) before listening:\n${output.slice(-2000)}`);
    function fail(message: string) {
      cleanup();
      reject(new EmulatorStartError(message));
    }
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

async function waitUntilAnswering(endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      await response.arrayBuffer();
      if (response.ok) return;
      failure = new Error(`HTTP ${response.status}`);
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) {
      throw new EmulatorStartError(`the emulator at ${endpoint} does not answer`, {
        cause: failure,
      });
    }
    await sleep(100);
  }
}
