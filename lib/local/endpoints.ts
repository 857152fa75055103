import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { localStateDir } from "./emulator/index.ts";
import type { PlaneResources } from "./provision.ts";

/** What `.evidence-local/endpoints.json` tells clients of a running local plane. */
export interface LocalEndpoints extends PlaneResources {
  /** The emulator: pass as `endpoint` (and `forcePathStyle: true` for S3) to AWS SDK clients. */
  readonly awsEndpoint: string;
  readonly account: string;
  /** The pack API served through the handler code. */
  readonly apiUrl: string;
  /** PEM of the signing key's public half, written beside this file. */
  readonly publicKeyFile: string;
  /** Process id of the plane. */
  readonly pid: number;
  readonly startedAt: string;
}

/** Path of the endpoints file. */
export function endpointsFile(root?: string): string {
  return join(localStateDir(root), "endpoints.json");
}

/** Writes the endpoints file atomically. */
export async function writeEndpoints(endpoints: LocalEndpoints, root?: string): Promise<string> {
  const file = endpointsFile(root);
  await mkdir(localStateDir(root), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(endpoints, null, 2)}\n`);
  await rename(temporary, file);
  return file;
}

/** Raised when no local plane has written its endpoints. */
export class NoLocalPlaneError extends Error {
  override readonly name = "NoLocalPlaneError";
}

/** Reads the endpoints of the running local plane. */
export async function readEndpoints(root?: string): Promise<LocalEndpoints> {
  const file = endpointsFile(root);
  if (!existsSync(file)) {
    throw new NoLocalPlaneError(
      `no local plane is running (${file} is missing); start one with \`npx evidence local up\``,
    );
  }
  const endpoints = JSON.parse(await readFile(file, "utf8")) as LocalEndpoints;
  if (!isAlive(endpoints.pid)) {
    throw new NoLocalPlaneError(
      `the local plane that wrote ${file} (pid ${endpoints.pid}) has stopped; start one with \`npx evidence local up\``,
    );
  }
  return endpoints;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
