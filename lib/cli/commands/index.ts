import type { Command } from "../io.ts";

/**
 * Every `evidence` command, loaded on demand so that a command pulls in only what it uses
 * (validating an event never loads the AWS SDK).
 */
export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: {
    summary: "check an evidence event against the event catalogue",
    load: async () => (await import("./validate.ts")).validateCommand,
  },
  verify: {
    summary: "verify an evidence pack offline (digests, signatures, chains, completeness)",
    load: async () => (await import("./verify.ts")).verifyCommand,
  },
  canonicalize: {
    summary: "print the RFC 8785 canonical form of a JSON document",
    load: async () => (await import("./canonicalize.ts")).canonicalizeCommand,
  },
  emit: {
    summary: "build, validate and put an evidence event on the evidence bus",
    load: async () => (await import("./emit.ts")).emitCommand,
  },
  "key-usage": {
    summary: "review KMS key usage from CloudTrail and reconcile Sign calls with the ledger",
    load: async () => (await import("./key-usage.ts")).keyUsageCommand,
  },
  local: {
    summary: "run the evidence plane on a local AWS emulator (up, status)",
    load: async () => (await import("./local.ts")).localCommand,
  },
  pack: {
    summary: "request an evidence pack from the pack API, wait for it, download and verify it",
    load: async () => (await import("./pack.ts")).packCommand,
  },
  "legal-hold": {
    summary: "place or lift a legal hold on a release's or a window's evidence (recorded)",
    load: async () => (await import("./legal-hold.ts")).legalHoldCommand,
  },
  reconcile: {
    summary: "archive every record the evidence bucket lacks, and report mismatches",
    load: async () => (await import("./reconcile.ts")).reconcileCommand,
  },
};
