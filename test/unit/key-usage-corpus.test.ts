import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildReport,
  Expectations,
  type Finding,
  type KeyUsageReport,
  parseExpectations,
  summarize,
} from "../../lib/core/key-usage/index.ts";
import { loadLedgerSignatures } from "../../lib/key-usage/ledger.ts";
import { loadCloudTrailLogs } from "../../lib/key-usage/logs.ts";
import {
  ARCHIVE_KEY,
  FOREIGN_ACCOUNT,
  INGEST_ROLE,
  MISSING_SIGN_REQUEST_ID,
  MISSING_SIGN_SEQ,
  SIGNING_KEY,
  SIGNING_KEY_REPLICA,
  uuidFor,
} from "../fixtures/cloudtrail/build.ts";
import { writeCorpusLedger } from "../fixtures/cloudtrail/ledger.ts";

const corpus = join(import.meta.dirname, "../fixtures/cloudtrail");
const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
const user = (name: string) => `arn:aws:iam::111122223333:user/${name}`;

let ledgerDir = "";
let ledger: { pack: string; export: string };

beforeAll(async () => {
  ledgerDir = mkdtempSync(join(tmpdir(), "key-usage-ledger-"));
  ledger = await writeCorpusLedger(ledgerDir);
});

afterAll(() => {
  rmSync(ledgerDir, { recursive: true, force: true });
});

async function review(ledgerFile?: string): Promise<KeyUsageReport> {
  const logs = await loadCloudTrailLogs([join(corpus, "logs")]);
  const config = parseExpectations(JSON.parse(readFileSync(join(corpus, "expect.json"), "utf8")));
  const signTimes = new Map(
    logs.calls.flatMap((c) => (c.requestId ? [[c.requestId, c.eventTime] as const] : [])),
  );
  return buildReport({
    summary: summarize(logs.calls),
    expectations: new Expectations(config),
    expectationsGiven: true,
    generatedAt: "2025-06-03T00:00:00.000Z",
    source: "corpus",
    signTimes,
    ...(ledgerFile ? { ledger: await loadLedgerSignatures([ledgerFile]) } : {}),
  });
}

/** The identifying fields of a finding, for comparing sets exactly. */
function identify(f: Finding): string {
  return [
    f.code,
    f.keyArn,
    f.operation,
    f.principal ?? "-",
    f.sourceAccount ?? "-",
    f.region ?? "-",
    f.errorCode ?? "-",
    f.ref ?? "-",
    f.count,
    f.requestIds?.join(",") ?? "-",
  ].join(" | ");
}

const PLANTED = [
  [
    "unexpected-principal",
    SIGNING_KEY,
    "Sign",
    user("mallory"),
    "111122223333",
    "-",
    "-",
    "-",
    1,
    "-",
  ],
  [
    "unexpected-principal",
    ARCHIVE_KEY,
    "Decrypt",
    role("DataScienceNotebook"),
    "111122223333",
    "-",
    "-",
    "-",
    2,
    "-",
  ],
  [
    "key-policy-changed",
    SIGNING_KEY,
    "PutKeyPolicy",
    role("Admin"),
    "111122223333",
    "eu-west-1",
    "-",
    "-",
    1,
    uuidFor("request:anomaly-put-key-policy"),
  ],
  [
    "grant-created",
    SIGNING_KEY,
    "CreateGrant",
    role("Admin"),
    "111122223333",
    "eu-west-1",
    "-",
    "-",
    1,
    uuidFor("request:anomaly-create-grant"),
  ],
  [
    "key-disabled",
    ARCHIVE_KEY,
    "DisableKey",
    role("Admin"),
    "111122223333",
    "eu-west-1",
    "-",
    "-",
    1,
    uuidFor("request:anomaly-disable-archive-key"),
  ],
  [
    "key-deletion-scheduled",
    ARCHIVE_KEY,
    "ScheduleKeyDeletion",
    role("Admin"),
    "111122223333",
    "eu-west-1",
    "-",
    "-",
    1,
    uuidFor("request:anomaly-schedule-deletion"),
  ],
  [
    "unexpected-account",
    SIGNING_KEY,
    "Verify",
    `arn:aws:iam::${FOREIGN_ACCOUNT}:role/build-bot`,
    FOREIGN_ACCOUNT,
    "-",
    "-",
    "-",
    1,
    "-",
  ],
  [
    "unexpected-region",
    SIGNING_KEY_REPLICA,
    "GetPublicKey",
    user("auditor-alice"),
    "111122223333",
    "us-east-1",
    "-",
    "-",
    1,
    "-",
  ],
  [
    "failed-call",
    SIGNING_KEY,
    "Sign",
    user("ci-deployer"),
    "111122223333",
    "-",
    "AccessDeniedException",
    "-",
    1,
    "-",
  ],
  [
    "failed-call",
    SIGNING_KEY,
    "Sign",
    role(INGEST_ROLE),
    "111122223333",
    "-",
    "ThrottlingException",
    "-",
    2,
    "-",
  ],
].map((fields) => fields.join(" | "));

const RECONCILIATION = [
  [
    "sign-call-unmatched",
    SIGNING_KEY,
    "Sign",
    user("mallory"),
    "-",
    "-",
    "-",
    "-",
    1,
    uuidFor("request:anomaly-mallory-sign"),
  ],
  [
    "signature-unmatched",
    SIGNING_KEY,
    "Sign",
    "-",
    "-",
    "-",
    "-",
    `release/web-1.4.0#${MISSING_SIGN_SEQ}`,
    1,
    MISSING_SIGN_REQUEST_ID,
  ],
].map((fields) => fields.join(" | "));

describe("key-usage review of the CloudTrail corpus", () => {
  it("reads the gzipped log files, skips the digest file and drops the duplicated delivery", async () => {
    // Act
    const logs = await loadCloudTrailLogs([join(corpus, "logs")]);
    const summary = summarize(logs.calls);

    // Assess
    expect(logs.files).toBe(5);
    expect(logs.skipped).toHaveLength(1);
    expect(logs.skipped[0]).toMatch(/CloudTrail-Digest/);
    const ingestSign = summary.usage.find(
      (r) => r.principal === role(INGEST_ROLE) && r.operation === "Sign",
    );
    expect(ingestSign).toMatchObject({
      count: 7,
      errors: [{ code: "ThrottlingException", count: 2 }],
    });
    expect(ingestSign?.requestIds).toHaveLength(5);
  });

  it("flags every planted anomaly and nothing else", async () => {
    // Act
    const report = await review();

    // Assess
    expect(report.findings.map(identify).sort()).toEqual([...PLANTED].sort());
    expect(report.callsOnOtherKeys).toBe(2);
    expect(report.reconciliation).toBeUndefined();
  });

  it("reconciles Sign calls with a pack: the extra Sign call and the missing one are listed", async () => {
    // Act
    const report = await review(ledger.pack);

    // Assess
    expect(report.findings.map(identify).sort()).toEqual([...PLANTED, ...RECONCILIATION].sort());
    expect(report.reconciliation).toMatchObject({
      signingKeys: [SIGNING_KEY],
      signCalls: 7,
      signatures: 7,
      matched: 6,
      matchedByKind: { record: 5, manifest: 1, abandoned: 0 },
      outsideWindow: 0,
    });
  });

  it("reconciles with an export, leaving signatures made before the logs begin unjudged", async () => {
    // Act
    const report = await review(ledger.export);

    // Assess
    const reconciliation = report.findings.filter((f) => f.code.startsWith("sign"));
    expect(reconciliation.map((f) => f.code).sort()).toEqual([
      "sign-call-unmatched",
      "sign-call-unmatched",
      "signature-unmatched",
    ]);
    // The export has no manifest, so the pack's manifest Sign call is unmatched too.
    expect(
      reconciliation
        .filter((f) => f.code === "sign-call-unmatched")
        .map((f) => f.principal)
        .sort(),
    ).toEqual([role("EvidencePlane-PackFunctionServiceRole9C8D7E"), user("mallory")]);
    expect(report.reconciliation).toMatchObject({ matched: 5, outsideWindow: 1 });
  });
});
