import type { Command } from "../io.ts";

/**
 * Every `evidence` command, loaded on demand so that a command pulls in only what it uses
 * (validating an event never loads the AWS SDK).
 */
export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  verify: {
    summary: "verify an evidence pack offline (digests, signatures, chains, completeness)",
    load: async () => (await import("./verify.ts")).verifyCommand,
  },
  local: {
    summary: "run the evidence plane on a local AWS emulator (up, status)",
    load: async () => (await import("./local.ts")).localCommand,
  },
  reconcile: {
    summary: "archive every record the evidence bucket lacks, and report mismatches",
    load: async () => (await import("./reconcile.ts")).reconcileCommand,
  },
};
