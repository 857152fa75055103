import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LedgerReadError, loadLedgerSignatures } from "../../lib/key-usage/ledger.ts";
import { LogReadError, loadCloudTrailLogs } from "../../lib/key-usage/logs.ts";

let dir = "";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "key-usage-files-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("ledger files", () => {
  it("reads records and abandoned signatures from an export", async () => {
    // Prepare
    const path = join(dir, "export.jsonl");
    const record = {
      record: { stream: "release/r-1", seq: 4 },
      signature: {
        keyId: "arn:k",
        algorithm: "ECDSA_SHA_256",
        signedAt: "2025-06-02T10:00:00.000Z",
        value: "AA==",
        requestId: "req-4",
      },
    };
    const abandoned = {
      requestId: "req-lost",
      keyId: "arn:k",
      statementDigest: `sha256:${"1".repeat(64)}`,
      stream: "release/r-1",
      seq: 5,
      eventId: "e-5",
      signedAt: "2025-06-02T10:00:01.000Z",
      reason: "seq-taken",
    };
    writeFileSync(path, `${JSON.stringify(record)}\n\n${JSON.stringify(abandoned)}\n`);

    // Act
    const { signatures } = await loadLedgerSignatures([path]);

    // Assess
    expect(signatures).toEqual([
      {
        kind: "record",
        ref: "release/r-1#4",
        keyId: "arn:k",
        requestId: "req-4",
        signedAt: "2025-06-02T10:00:00.000Z",
      },
      {
        kind: "abandoned",
        ref: "sig#req-lost",
        keyId: "arn:k",
        requestId: "req-lost",
        signedAt: "2025-06-02T10:00:01.000Z",
      },
    ]);
  });

  it("names the file and line of a line that is not JSON", async () => {
    const path = join(dir, "export.jsonl");
    writeFileSync(path, '{"record":{}, "signature":{}}\n{not json\n');
    await expect(loadLedgerSignatures([path])).rejects.toThrow(`${path}:2: is not JSON`);
  });

  it("refuses a pack that is not gzip with the pack reader's explanation", async () => {
    const path = join(dir, "broken.tar.gz");
    writeFileSync(path, "plain text");
    const error = await loadLedgerSignatures([path]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerReadError);
    expect((error as Error).message).toMatch(/not gzip-compressed/);
  });
});

describe("CloudTrail files", () => {
  it("fails on a damaged log file instead of skipping it", async () => {
    writeFileSync(
      join(dir, "111122223333_CloudTrail_eu-west-1_x.json.gz"),
      Buffer.from([0x1f, 0x8b, 1, 2, 3]),
    );
    const error = await loadCloudTrailLogs([dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogReadError);
    expect((error as Error).message).toMatch(/not readable gzip/);
  });

  it("says what to give when the path does not exist", async () => {
    await expect(loadCloudTrailLogs([join(dir, "missing")])).rejects.toThrow(
      /give a CloudTrail \.json\.gz file or a folder/,
    );
  });
});
