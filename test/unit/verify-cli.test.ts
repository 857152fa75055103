import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import { keyFingerprint, spkiToPem } from "../../lib/core/signing/keys.ts";
import { runCli } from "../helpers/cli.ts";
import { editLines, packBytes, signedRelease, testSigner } from "../helpers/packs.ts";

const dir = mkdtempSync(join(tmpdir(), "verify-cli-"));
const path = (name: string) => join(dir, name);
const fingerprint = keyFingerprint(testSigner.publicKeySpki);

beforeAll(async () => {
  const { bytes } = await packBytes(await signedRelease("r-1", 6), { maxRecordsPerChunk: 4 });
  writeFileSync(path("good.tar.gz"), bytes);
  writeFileSync(
    path("bad.tar.gz"),
    await editLines(bytes, (lines) => lines.filter((_, index) => index !== 1)),
  );
  writeFileSync(path("key.pem"), spkiToPem(testSigner.publicKeySpki));
  writeFileSync(path("key.der"), testSigner.publicKeySpki);
  writeFileSync(path("other.pem"), spkiToPem(LocalSigner.generate().publicKeySpki));
  writeFileSync(path("not-a-key.pem"), "hello");
  writeFileSync(path("notes.txt"), "not a pack");
});

describe("evidence verify", () => {
  it("says VALID and that the key is not pinned, with its fingerprint (exit 0)", async () => {
    const run = await runCli(["verify", path("good.tar.gz"), "--workers", "0"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("VALID");
    expect(run.stdout).toContain(`${fingerprint} NOT PINNED`);
    expect(run.stdout).toContain("6 records in 1 stream");
  });

  it("accepts a pinned key as PEM or DER and says it is pinned", async () => {
    for (const key of ["key.pem", "key.der"]) {
      const run = await runCli([
        "verify",
        path("good.tar.gz"),
        "--public-key",
        path(key),
        "--workers",
        "1",
      ]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`${fingerprint} (pinned with --public-key)`);
    }
  });

  it("prints one JSON object with valid, records, problems and key", async () => {
    const run = await runCli(["verify", path("good.tar.gz"), "--json", "--workers", "0"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      valid: true,
      records: 6,
      problems: [],
      key: { fingerprint, pinned: false },
    });
  });

  it("lists every problem of a damaged pack and exits 1", async () => {
    const human = await runCli(["verify", path("bad.tar.gz"), "--workers", "0"]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain("INVALID");
    expect(human.stdout).toContain(
      "[chain-seq] records/000001.jsonl line 2, release/r-1 seq 3: record 2 is missing",
    );
    const json = JSON.parse(
      (await runCli(["verify", path("bad.tar.gz"), "--json", "--workers", "0"])).stdout,
    );
    expect(json.valid).toBe(false);
    expect(json.problems.map((p: { check: string }) => p.check)).toEqual(
      expect.arrayContaining(["chain-seq", "file-digest", "stream-count", "counts"]),
    );
  });

  it("fails a pack signed by another key than the pinned one, naming both", async () => {
    const run = await runCli([
      "verify",
      path("good.tar.gz"),
      "--public-key",
      path("other.pem"),
      "--workers",
      "0",
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("[key-untrusted]");
    expect(run.stdout).toContain(fingerprint);
  });

  it("reads the pack from standard input", async () => {
    const { readFileSync } = await import("node:fs");
    const run = await runCli(["verify", "-", "--workers", "0"], readFileSync(path("good.tar.gz")));
    expect(run.code).toBe(0);
  });

  it.each([
    [["verify"], /name the PACK/],
    [["verify", "a", "b"], /one pack at a time/],
    [["verify", "x", "--workers", "many"], /--workers takes a whole number/],
    [["verify", "missing.tar.gz"], /cannot read missing\.tar\.gz: no such file/],
  ])("exits 2 on bad usage: %j", async (argv, message) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("exits 2 when the input is not a pack or the key is unusable", async () => {
    const notPack = await runCli(["verify", path("notes.txt")]);
    expect(notPack.code).toBe(2);
    expect(notPack.stderr).toMatch(/is not an evidence pack: this file is not gzip-compressed/);
    const badKey = await runCli([
      "verify",
      path("good.tar.gz"),
      "--public-key",
      path("not-a-key.pem"),
    ]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/not a usable public key/);
  });

  it("prints its usage with --help", async () => {
    const run = await runCli(["verify", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: evidence verify PACK/);
  });
});
