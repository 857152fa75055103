import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import type { LedgerSignature } from "../core/key-usage/reconcile.ts";

/** A ledger file that cannot be read; the message names the file (and line) and the fix. */
export class LedgerReadError extends Error {
  override readonly name = "LedgerReadError";
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function signatureFields(signature: Obj): { keyId: string; requestId?: string; signedAt?: string } {
  const keyId = typeof signature.keyId === "string" ? signature.keyId : "";
  const out: { keyId: string; requestId?: string; signedAt?: string } = { keyId };
  if (typeof signature.requestId === "string" && signature.requestId !== "") {
    out.requestId = signature.requestId;
  }
  if (typeof signature.signedAt === "string") out.signedAt = signature.signedAt;
  return out;
}

/**
 * The signature of one ledger line: a signed record (`{"record":{stream,seq,...},"signature":{...}}`,
 * the line format of a pack's records files and of an export). Returns undefined for lines that
 * carry no signature.
 */
export function signatureOfLine(line: unknown): LedgerSignature | undefined {
  if (!isObject(line) || !isObject(line.signature)) return undefined;
  const record = isObject(line.record) ? line.record : {};
  const ref =
    typeof record.stream === "string" && typeof record.seq === "number"
      ? `${record.stream}#${record.seq}`
      : "record";
  return { kind: "record", ref, ...signatureFields(line.signature) };
}

function parseLines(text: string, where: string): LedgerSignature[] {
  const out: LedgerSignature[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new LedgerReadError(
        `${where}:${index + 1}`,
        "is not JSON; each line must be one signed record",
        { cause: error },
      );
    }
    const signature = signatureOfLine(value);
    if (signature) out.push(signature);
  }
  return out;
}

const RECORDS_FILE = /(^|\/)records\/[^/]+\.jsonl$/;
const MANIFEST_SIGNATURE = /(^|\/)manifest\.sig\.json$/;

async function readPack(path: string): Promise<LedgerSignature[]> {
  const signatures: LedgerSignature[] = [];
  const extract = tar.extract();
  const name = basename(path);
  const consume = (async () => {
    try {
      await readEntries();
    } catch (error) {
      extract.destroy(error as Error);
      throw error;
    }
  })();
  async function readEntries(): Promise<void> {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
      const entryName = entry.header.name;
      const text = Buffer.concat(chunks).toString("utf8");
      if (RECORDS_FILE.test(entryName)) {
        signatures.push(...parseLines(text, `${path}!${entryName}`));
      } else if (MANIFEST_SIGNATURE.test(entryName)) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          throw new LedgerReadError(`${path}!${entryName}`, "is not JSON", { cause: error });
        }
        if (isObject(value)) {
          signatures.push({ kind: "manifest", ref: `pack:${name}`, ...signatureFields(value) });
        }
      }
    }
  }
  try {
    await Promise.all([pipeline(createReadStream(path), createGunzip(), extract), consume]);
  } catch (error) {
    if (error instanceof LedgerReadError) throw error;
    throw new LedgerReadError(path, "is not a readable evidence pack (.tar.gz)", { cause: error });
  }
  return signatures;
}

/**
 * Reads the signatures of one or more ledger files: evidence packs (`.tar.gz`: the records'
 * signatures and the manifest signature) or exports (`.jsonl`: one signed record per line).
 */
export async function loadLedgerSignatures(
  paths: readonly string[],
): Promise<{ signatures: LedgerSignature[]; description: string }> {
  const signatures: LedgerSignature[] = [];
  for (const path of paths) {
    try {
      await stat(path);
    } catch (error) {
      throw new LedgerReadError(
        path,
        "cannot be read; give an evidence pack (.tar.gz) or an export (.jsonl)",
        {
          cause: error,
        },
      );
    }
    if (path.endsWith(".jsonl") || path.endsWith(".ndjson")) {
      signatures.push(...parseLines(await readFile(path, "utf8"), path));
    } else {
      signatures.push(...(await readPack(path)));
    }
  }
  const names = paths.map((p) => basename(p)).join(", ");
  return {
    signatures,
    description: `${paths.length === 1 ? "ledger file" : `${paths.length} ledger files`} ${names}`,
  };
}
