import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Digest } from "../core/digest.ts";

/** A file named on the command line that cannot be read. */
export class InputFileError extends Error {
  override readonly name = "InputFileError";
}

/**
 * SHA-256 of a file, read as a stream so a multi-gigabyte artifact never sits in memory.
 *
 * @example
 * await fileDigest("dist/app.tar.gz") // "sha256:9f86d0..."
 */
export async function fileDigest(path: string): Promise<Digest> {
  const hash = createHash("sha256");
  try {
    await pipeline(createReadStream(path), hash);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : (error as Error).message;
    throw new InputFileError(`cannot read ${path}: ${reason}`, { cause: error });
  }
  return `sha256:${hash.digest("hex")}`;
}

/**
 * Where a CI job keeps what it must remember between retries of a step: `EVIDENCE_STATE_DIR`,
 * else the runner's temporary folder (`RUNNER_TEMP` on GitHub Actions), else the system's.
 */
export function stateDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.EVIDENCE_STATE_DIR ?? env.RUNNER_TEMP ?? tmpdir();
}

/**
 * The `occurredAt` an event with this id was first emitted with in this job, remembered so a
 * retried step resends the identical event (which the ingest then drops as a duplicate) instead
 * of a conflicting one. Returns `candidate` and remembers it the first time.
 */
export async function rememberedOccurredAt(
  dir: string,
  eventId: string,
  candidate: string,
): Promise<string> {
  const file = join(dir, "evidence-emit", `${eventId}.json`);
  try {
    const stored = JSON.parse(await readFile(file, "utf8")) as { occurredAt?: unknown };
    if (typeof stored.occurredAt === "string") return stored.occurredAt;
  } catch {
    // Not emitted before in this job (or the note is unreadable): this is the first time.
  }
  await mkdir(join(dir, "evidence-emit"), { recursive: true });
  await writeFile(file, `${JSON.stringify({ eventId, occurredAt: candidate })}\n`);
  return candidate;
}
