import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyUsageReport } from "../../lib/core/key-usage/index.ts";
import { writeCorpusLedger } from "../fixtures/cloudtrail/ledger.ts";
import { runCli } from "../helpers/cli.ts";

const LOGS = "test/fixtures/cloudtrail/logs";
const EXPECT = "test/fixtures/cloudtrail/expect.json";

let dir = "";
let pack = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "key-usage-cli-"));
  pack = (await writeCorpusLedger(dir)).pack;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("evidence key-usage --logs", () => {
  it("prints usage and findings, reconciles with a pack, writes HTML and exits 1 on findings", async () => {
    // Prepare
    const html = join(dir, "review.html");

    // Act
    const run = await runCli([
      "key-usage",
      "--logs",
      LOGS,
      "--expect",
      EXPECT,
      "--ledger",
      pack,
      "--html",
      html,
    ]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Key usage review: CloudTrail logs: 5 file(s)");
    expect(run.stdout).toContain("Findings: 12 (9 high)");
    expect(run.stdout).toContain("Reconciliation with ledger file web-1.4.0.pack.tar.gz");
    expect(run.stdout).toMatch(
      /7 Sign call\(s\) on 1 signing key\(s\); 7 ledger signature\(s\); 6 matched/,
    );
    expect(run.stderr).toContain(`wrote ${html}`);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("sign-call-unmatched");
    expect(page).not.toMatch(/\b(src|href)=/);
  });

  it("prints the report as JSON", async () => {
    const run = await runCli(["key-usage", "--logs", LOGS, "--expect", EXPECT, "--json"]);
    const report = JSON.parse(run.stdout) as KeyUsageReport;
    expect(report.reportVersion).toBe("key-usage-report/v1");
    expect(report.findings).toHaveLength(10);
    expect(report.keys.map((k) => k.keyArn.split("/")[1])).toEqual([
      "2b8e4f61-0c3d-4a7b-8e9f-1a2b3c4d5e6f",
      "mrk-7f3c2a105b6e4d2f9a8c0e1d2c3b4a59",
      "mrk-7f3c2a105b6e4d2f9a8c0e1d2c3b4a59",
    ]);
  });

  it("narrows the review to --since/--until and exits 0 when nothing is found", async () => {
    const run = await runCli([
      "key-usage",
      "--logs",
      LOGS,
      "--expect",
      EXPECT,
      "--since",
      "2025-06-02T09:20:00Z",
      "--until",
      "2025-06-02T09:30:00Z",
    ]);
    expect(run.stdout).toContain("Findings: none");
    expect(run.code).toBe(0);
  });

  it("reports every signer when no expectations are given", async () => {
    const run = await runCli(["key-usage", "--logs", LOGS, "--json"]);
    const report = JSON.parse(run.stdout) as KeyUsageReport;
    const signers = report.findings
      .filter((f) => f.code === "unexpected-principal" && f.operation === "Sign")
      .map((f) => f.principal?.split("/")[1]);
    expect(signers.sort()).toEqual([
      "EvidencePlane-IngestFunctionServiceRole3F2A1B",
      "EvidencePlane-PackFunctionServiceRole9C8D7E",
      "mallory",
    ]);
    expect(report.expectationsGiven).toBe(false);
  });
});

describe("evidence key-usage refusals", () => {
  it.each([
    [["--logs", join("test", "no-such-folder")], /give a CloudTrail \.json\.gz file or a folder/],
    [["--logs", "examples/events"], /no CloudTrail log files under examples\/events/],
    [["--logs", LOGS, "--since", "yesterday"], /--since takes a duration/],
    [["--logs", LOGS, "--expect", "package.json"], /is not a known field/],
  ])("%j exits 2 with what to do", async (args, message) => {
    const run = await runCli(["key-usage", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("names the field of an expectations file that is wrong", async () => {
    const file = join(dir, "expect.json");
    writeFileSync(file, JSON.stringify({ accounts: ["1234"] }));
    const run = await runCli(["key-usage", "--logs", LOGS, "--expect", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("$.accounts[0]: must be a 12-digit AWS account id");
  });
});
