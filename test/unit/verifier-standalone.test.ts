import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import { keyFingerprint, spkiToPem } from "../../lib/core/signing/keys.ts";
import {
  type BuiltFile,
  buildVerifier,
  VERIFIER_FILE,
  VERIFIER_WORKER_FILE,
} from "../../scripts/build-verifier.ts";
import { editLines, packBytes, signedRelease, testSigner } from "../helpers/packs.ts";

// Built into a folder outside the repository: no node_modules above it to lean on.
const outDir = mkdtempSync(join(tmpdir(), "standalone-verifier-"));
const dataDir = mkdtempSync(join(tmpdir(), "standalone-verifier-data-"));
const at = (name: string) => join(dataDir, name);
let built: BuiltFile[];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built verifier with plain Node, from a folder that holds nothing else. */
function runVerifier(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(outDir, VERIFIER_FILE), ...args],
      { cwd: outDir, env: { PATH: process.env.PATH ?? "" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  built = await buildVerifier(outDir);
  // 40 records in files of 8: batches reach both workers.
  const { bytes } = await packBytes(await signedRelease("r-standalone", 40), {
    maxRecordsPerChunk: 8,
  });
  writeFileSync(at("good.tar.gz"), bytes);
  writeFileSync(
    at("reordered.tar.gz"),
    await editLines(bytes, (lines) => [lines[1] ?? "", lines[0] ?? "", ...lines.slice(2)]),
  );
  writeFileSync(at("key.pem"), spkiToPem(testSigner.publicKeySpki));
  writeFileSync(at("other.pem"), spkiToPem(LocalSigner.generate().publicKeySpki));
}, 60_000);

describe("the standalone verifier (npm run build:verifier)", () => {
  it("is two JavaScript files with their SHA-256 digests", () => {
    expect(readdirSync(outDir).sort()).toEqual([VERIFIER_WORKER_FILE, VERIFIER_FILE].sort());
    expect(built.map((file) => file.sha256)).toEqual([
      expect.stringMatching(/^[0-9a-f]{64}$/),
      expect.stringMatching(/^[0-9a-f]{64}$/),
    ]);
  });

  it("builds the same bytes every time, so anyone can rebuild and compare", async () => {
    const again = await buildVerifier(mkdtempSync(join(tmpdir(), "standalone-verifier-again-")));
    expect(again.map((file) => file.sha256)).toEqual(built.map((file) => file.sha256));
  });

  it("accepts a valid pack against the pinned key on worker threads (exit 0)", async () => {
    const run = await runVerifier([
      at("good.tar.gz"),
      "--public-key",
      at("key.pem"),
      "--workers",
      "2",
      "--json",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      valid: true,
      records: 40,
      problems: [],
      key: { pinned: true, fingerprint: keyFingerprint(testSigner.publicKeySpki) },
    });
  });

  it("rejects reordered records and a pack signed by another key (exit 1, named checks)", async () => {
    const reordered = await runVerifier([at("reordered.tar.gz"), "--public-key", at("key.pem")]);
    expect(reordered.code).toBe(1);
    expect(reordered.stdout).toContain("INVALID");
    expect(reordered.stdout).toContain("[chain-seq]");
    expect(reordered.stdout).toContain("[file-digest]");

    const otherKey = await runVerifier([at("good.tar.gz"), "--public-key", at("other.pem")]);
    expect(otherKey.code).toBe(1);
    expect(otherKey.stdout).toContain("[key-untrusted]");
  });

  it("names itself in its usage and exits 2 on bad usage", async () => {
    const run = await runVerifier([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage: evidence-verify PACK|-");
  });
});
