#!/usr/bin/env node
// Brings a checkout to a runnable state: installs the locked npm dependencies (which include the
// Node 22 runtime the product runs on) when they are missing or older than the lockfile.
// Plain JavaScript on purpose: it runs under whatever Node the machine has, before Node 22 exists.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lockfile = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");
const runtime = join(root, "node_modules", ".bin", "node");

function installedIsCurrent() {
  if (!existsSync(installed) || !existsSync(runtime)) return false;
  return statSync(installed).mtimeMs >= statSync(lockfile).mtimeMs;
}

if (!installedIsCurrent()) {
  console.error("setup: installing locked dependencies (npm ci)...");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error("setup: npm ci failed; fix the error above, then run the command again.");
    process.exit(result.status ?? 1);
  }
}
