#!/usr/bin/env node
// Makes sure a headless Chromium is available at /usr/bin/chromium for the report's browser test,
// installing Debian's `chromium` package with apt-get when it is missing. Browser downloads from
// other hosts do not work everywhere; Debian's mirrors do. Plain JavaScript so it runs under any
// Node. Safe to call from several processes at once: one installs while the others wait.
//
//   node scripts/ensure-chromium.mjs        installs when missing, prints the path
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM_PATH = "/usr/bin/chromium";

const LOCK = join(tmpdir(), "evidence-plane-chromium-install.lock");
const LOCK_STALE_MS = 20 * 60 * 1000;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function acquireLock() {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > LOCK_STALE_MS) {
          rmSync(LOCK, { recursive: true, force: true });
          continue;
        }
      } catch {
        continue;
      }
      if (existsSync(CHROMIUM_PATH)) return;
      sleep(1000);
    }
  }
}

/** Returns the Chromium path, installing the package first when it is missing. */
export function ensureChromium(log = (line) => process.stderr.write(`${line}\n`)) {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH} and no apt-get to install it; install Chromium so that ${CHROMIUM_PATH} runs it`,
    );
  }
  acquireLock();
  try {
    if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
    const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
    const apt = asRoot ? ["apt-get"] : ["sudo", "-n", "apt-get"];
    log("ensure-chromium: installing Debian's chromium package (apt-get)...");
    if (run(apt[0], [...apt.slice(1), "update", "-qq"]) !== 0) {
      throw new Error("apt-get update failed; run it by hand and look at the error");
    }
    const status = run(apt[0], [
      ...apt.slice(1),
      "install",
      "-y",
      "-qq",
      "--no-install-recommends",
      "chromium",
    ]);
    if (status !== 0 || !existsSync(CHROMIUM_PATH)) {
      throw new Error(
        `apt-get install chromium failed (exit ${status}); install it by hand: apt-get install chromium`,
      );
    }
    log(`ensure-chromium: installed ${CHROMIUM_PATH}`);
    return CHROMIUM_PATH;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(`${ensureChromium()}\n`);
  } catch (error) {
    process.stderr.write(`ensure-chromium: ${error.message}\n`);
    process.exitCode = 1;
  }
}
