import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { LedgerSignature } from "../core/key-usage/reconcile.ts";
import { chunkIndex, MANIFEST_SIGNATURE_PATH } from "../core/pack/format.ts";
import { PackReadError, readLines, readPackEntries } from "../core/pack/reader.ts";

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
 * the line format of a pack's records files and of an export), or an abandoned signature as the
 * event table keeps it (`{requestId, keyId, statementDigest, stream, seq, signedAt, reason, ...}`:
 * a signature made for a record that lost its seq race). Returns undefined for other lines.
 */
export function signatureOfLine(line: unknown): LedgerSignature | undefined {
  if (!isObject(line)) return undefined;
  if (isObject(line.signature)) {
    const record = isObject(line.record) ? line.record : {};
    const ref =
      typeof record.stream === "string" && typeof record.seq === "number"
        ? `${record.stream}#${record.seq}`
        : "record";
    return { kind: "record", ref, ...signatureFields(line.signature) };
  }
  if (
    typeof line.requestId === "string" &&
    typeof line.keyId === "string" &&
    typeof line.statementDigest === "string"
  ) {
    return { kind: "abandoned", ref: `sig#${line.requestId}`, ...signatureFields(line) };
  }
  return undefined;
}

function parseLine(text: string, where: string): LedgerSignature | undefined {
  const line = text.trim();
  if (line === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new LedgerReadError(where, "is not JSON; each line must be one signed record", {
      cause: error,
    });
  }
  return signatureOfLine(value);
}

function parseLines(text: string, path: string): LedgerSignature[] {
  const out: LedgerSignature[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    const signature = parseLine(line, `${path}:${index + 1}`);
    if (signature) out.push(signature);
  }
  return out;
}

/**
 * The signature of a pack's manifest.sig.json: `{"statement":...,"signature":{keyId,...}}`
 * (evidence-pack/v1; see docs/pack-format.md).
 */
export function signatureOfManifest(document: unknown, ref: string): LedgerSignature | undefined {
  if (!isObject(document) || !isObject(document.signature)) return undefined;
  return { kind: "manifest", ref, ...signatureFields(document.signature) };
}

async function readPack(path: string): Promise<LedgerSignature[]> {
  const signatures: LedgerSignature[] = [];
  const ref = `pack:${basename(path)}`;
  try {
    for await (const entry of readPackEntries(createReadStream(path))) {
      if (chunkIndex(entry.path) !== undefined) {
        let number = 0;
        for await (const line of readLines(entry.content)) {
          number += 1;
          const signature = parseLine(line.toString("utf8"), `${path}!${entry.path}:${number}`);
          if (signature) signatures.push(signature);
        }
      } else if (entry.path === MANIFEST_SIGNATURE_PATH) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry.content) chunks.push(chunk);
        let document: unknown;
        try {
          document = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch (error) {
          throw new LedgerReadError(`${path}!${entry.path}`, "is not JSON", { cause: error });
        }
        const signature = signatureOfManifest(document, ref);
        if (signature) signatures.push(signature);
      }
    }
  } catch (error) {
    if (error instanceof LedgerReadError) throw error;
    if (error instanceof PackReadError)
      throw new LedgerReadError(path, error.message, { cause: error });
    throw error;
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
