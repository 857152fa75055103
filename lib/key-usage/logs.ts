import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { type KmsCall, kmsCallFrom, recordsOfLogFile } from "../core/key-usage/cloudtrail.ts";

const gunzipAsync = promisify(gunzip);

/** A CloudTrail file or folder that cannot be read; the message names the file and the fix. */
export class LogReadError extends Error {
  override readonly name = "LogReadError";
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

/** What was read from CloudTrail log files. */
export interface LoadedLogs {
  readonly calls: KmsCall[];
  /** Log files read (files with a `Records` array). */
  readonly files: number;
  /** CloudTrail records in them, of every service. */
  readonly records: number;
  /** JSON files without `Records`, such as CloudTrail digest files: listed, not read. */
  readonly skipped: readonly string[];
}

/** Progress while reading many files, for a terminal. */
export type LogProgress = (done: number, total: number) => void;

/** True for the names CloudTrail gives log files (`..._CloudTrail_<region>_..._x.json.gz`) and plain JSON. */
function isLogFileName(name: string): boolean {
  return name.endsWith(".json.gz") || name.endsWith(".json");
}

async function listFiles(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new LogReadError(
      path,
      "cannot be read; give a CloudTrail .json.gz file or a folder of them",
      {
        cause: error,
      },
    );
  }
  if (info.isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && isLogFileName(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function readDocument(path: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
    // Gzip by content, not by name: CloudTrail files copied around lose or gain extensions.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzipAsync(bytes);
  } catch (error) {
    throw new LogReadError(
      path,
      "is not readable gzip; download the file again from the trail bucket",
      {
        cause: error,
      },
    );
  }
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new LogReadError(
      path,
      'is not JSON; a CloudTrail log file holds {"Records":[...]} (download it again, or remove it from the folder)',
      { cause: error },
    );
  }
}

/**
 * Reads CloudTrail log files as CloudTrail delivers them to S3 (gzipped `{"Records":[...]}`),
 * given as files or folders searched recursively, and returns the KMS calls on keys in them.
 * A file that cannot be read fails the whole load: a review that silently skipped a log file
 * would miss calls.
 */
export async function loadCloudTrailLogs(
  paths: readonly string[],
  onProgress?: LogProgress,
): Promise<LoadedLogs> {
  const files = (await Promise.all(paths.map(listFiles))).flat();
  const calls: KmsCall[] = [];
  const skipped: string[] = [];
  let read = 0;
  let records = 0;
  for (const [index, file] of files.entries()) {
    const list = recordsOfLogFile(await readDocument(file));
    if (list === undefined) {
      skipped.push(file);
    } else {
      read += 1;
      records += list.length;
      for (const record of list) {
        const call = kmsCallFrom(record);
        if (call) calls.push(call);
      }
    }
    onProgress?.(index + 1, files.length);
  }
  return { calls, files: read, records, skipped };
}
