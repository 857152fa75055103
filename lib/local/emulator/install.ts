import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The project root: the folder holding package.json. */
export const PROJECT_ROOT = join(import.meta.dirname, "..", "..", "..");

/** Where the local plane keeps everything it creates (git-ignored). */
export function localStateDir(root: string = PROJECT_ROOT): string {
  return join(root, ".evidence-local");
}

/** Paths of the emulator's Python virtual environment. */
export interface EmulatorInstall {
  readonly venv: string;
  readonly python: string;
  readonly server: string;
}

/** Raised when the emulator cannot be installed; the message says what to install by hand. */
export class EmulatorInstallError extends Error {
  override readonly name = "EmulatorInstallError";
}

const REQUIREMENTS = join("scripts", "emulator-requirements.txt");
const STAMP = "requirements.sha256";

/**
 * Makes sure the pinned AWS emulator (moto server, from scripts/emulator-requirements.txt) is
 * installed in `.evidence-local/venv`, installing it on first use. Safe to call from several
 * processes at once: one installs while the others wait on a lock folder.
 */
export async function ensureEmulatorInstalled(
  options: { root?: string; onProgress?: (message: string) => void } = {},
): Promise<EmulatorInstall> {
  const root = options.root ?? PROJECT_ROOT;
  const state = localStateDir(root);
  const venv = join(state, "venv");
  const install: EmulatorInstall = {
    venv,
    python: join(venv, "bin", "python"),
    server: join(venv, "bin", "moto_server"),
  };
  const requirements = await readFile(join(root, REQUIREMENTS));
  const wanted = createHash("sha256").update(requirements).digest("hex");
  const isCurrent = async () =>
    existsSync(install.server) &&
    (await readFile(join(venv, STAMP), "utf8").catch(() => "")).trim() === wanted;
  if (await isCurrent()) return install;

  await mkdir(state, { recursive: true });
  const lock = join(state, "venv.lock");
  await acquireLock(lock);
  try {
    if (await isCurrent()) return install;
    options.onProgress?.("installing the AWS emulator (moto server) into .evidence-local/venv...");
    await rm(venv, { recursive: true, force: true });
    await run(pythonCommand(), ["-m", "venv", venv]);
    await run(join(venv, "bin", "pip"), [
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "-r",
      join(root, REQUIREMENTS),
    ]);
    await writeFile(join(venv, STAMP), `${wanted}\n`);
    return install;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function pythonCommand(): string {
  return process.env.EVIDENCE_PYTHON ?? "python3";
}

async function acquireLock(lock: string): Promise<void> {
  // A lock older than the longest install is left over from a killed process.
  const staleAfterMs = 10 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, "pid"), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(await readFile(join(lock, "pid"), "utf8").catch(() => "0"));
      const { mtimeMs } = await stat(lock).catch(() => ({ mtimeMs: 0 }));
      if ((owner > 0 && !isAlive(owner)) || Date.now() - mtimeMs > staleAfterMs) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      await sleep(500);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) =>
      reject(
        new EmulatorInstallError(
          `cannot run ${command} (${error.message}); install Python 3.9 or newer with venv, or set EVIDENCE_PYTHON to its path`,
          { cause: error },
        ),
      ),
    );
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else
        reject(
          new EmulatorInstallError(
            `${command} ${args.join(" ")} failed (exit ${code}):\n${stderr.trim().split("\n").slice(-15).join("\n")}`,
          ),
        );
    });
  });
}
