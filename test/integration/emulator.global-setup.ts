import type { TestProject } from "vitest/node";
import { type Emulator, startEmulator } from "../../lib/local/emulator/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Endpoint of the AWS emulator shared by the integration run. */
    emulatorEndpoint: string;
  }
}

let emulator: Emulator | undefined;

/** Starts one emulator for the whole integration run (installing it on first use). */
export async function setup(project: TestProject): Promise<void> {
  emulator = await startEmulator({
    onProgress: (message) => process.stderr.write(`integration: ${message}\n`),
    startTimeoutMs: 120_000,
  });
  project.provide("emulatorEndpoint", emulator.endpoint);
}

export async function teardown(): Promise<void> {
  await emulator?.stop();
}
