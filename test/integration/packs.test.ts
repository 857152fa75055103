import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../../lib/core/canonical/index.ts";
import type { ArchiveLockEntry, Completeness } from "../../lib/core/pack/extensions.ts";
import type { PackManifest } from "../../lib/core/pack/format.ts";
import { readPackEntries } from "../../lib/core/pack/reader.ts";
import { recordDigest, releaseStream } from "../../lib/core/records/index.ts";
import type { EvidenceRecord } from "../../lib/core/records/types.ts";
import { spkiToPem } from "../../lib/core/signing/keys.ts";
import { verifyPack } from "../../lib/core/verify/verifier.ts";
import { demoRelease } from "../../lib/local/demo-release.ts";
import { ensureEmulatorInstalled } from "../../lib/local/emulator/index.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { recordKey } from "../../lib/pipeline/archive.ts";
import { runCli } from "../helpers/cli.ts";
import { putOnBus, startTestPlane, streamRecords } from "./plane.ts";

const RELEASE = "infusion-dose-api@2026.05.1";

// A producer written in Python: boto3 from the emulator's virtual environment.
const BOTO3_PRODUCER = `
import json, sys, boto3
endpoint, bus = sys.argv[1:3]
client = boto3.client("events", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
for event in json.load(sys.stdin):
    result = client.put_events(Entries=[{"EventBusName": bus, "Source": "evidence.jenkins",
                                         "DetailType": event["type"], "Detail": json.dumps(event)}])
    assert result["FailedEntryCount"] == 0, result
`;
const HOTFIX = "infusion-dose-api@2026.05.2";

function example(name: string): JsonObject {
  return JSON.parse(readFileSync(`examples/events/${name}.json`, "utf8")) as JsonObject;
}

/** The pack's entries by path, read whole (the packs here are small). */
async function entries(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const entry of readPackEntries(Readable.from([readFileSync(file)]))) {
    const parts: Buffer[] = [];
    for await (const chunk of entry.content) parts.push(chunk);
    out.set(entry.path, Buffer.concat(parts));
  }
  return out;
}

function locks(pack: Map<string, Buffer>): ArchiveLockEntry[] {
  return [...pack]
    .filter(([path]) => path.startsWith("archive-locks/"))
    .flatMap(([, content]) =>
      content
        .toString("utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as ArchiveLockEntry),
    );
}

describe("evidence packs through the pack API on the emulator", () => {
  let plane: LocalPlane;
  let dir: string;
  let keyFile: string;
  const events = demoRelease({ releaseId: RELEASE });
  // A hotfix release of the same artifact: commit and artifact packs hold both releases.
  const hotfix = demoRelease({ releaseId: HOTFIX }).filter((e) =>
    ["build.completed", "deploy.started", "deploy.completed"].includes(String(e.type)),
  );
  const exception = example("exception.approved");
  const commit = String((events[0]?.subject as JsonObject | undefined)?.commit);
  const artifact = String((events[3]?.subject as JsonObject | undefined)?.artifactDigest);
  let windowFrom = "";
  let windowTo = "";

  const cli = (args: string[]) =>
    runCli([...args, "--api", plane.endpoints.apiUrl, "--public-key", keyFile, "--json"]);

  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "AKIAPACKSAUDITOR",
      AWS_SECRET_ACCESS_KEY: "emulator",
      AWS_REGION: "us-east-1",
    });
    plane = await startTestPlane("packs");
    dir = mkdtempSync(join(tmpdir(), "packs-test-"));
    keyFile = join(dir, "signing-public-key.pem");
    writeFileSync(keyFile, spkiToPem((await plane.signer.publicKey()).spki));
    await putOnBus(plane, [exception]);
    await plane.waitUntilSettled();
    windowFrom = new Date().toISOString();
    for (const event of events) await putOnBus(plane, [event]);
    await plane.waitUntilSettled();
    for (const event of hotfix) await putOnBus(plane, [event]);
    await plane.waitUntilSettled();
    const last = (await streamRecords(plane, releaseStream(HOTFIX))).at(-1);
    windowTo = new Date(Date.parse(last?.record.receivedAt ?? "") + 1).toISOString();
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("creates a release pack, waits for it, downloads it and verifies it pinned to the KMS key", async () => {
    // Act
    const file = join(dir, "release.evidence.tar.gz");
    const run = await cli([
      "pack",
      "create",
      "--release",
      RELEASE,
      "--reference",
      "AUD-2026-051",
      "--wait",
      "-o",
      file,
    ]);
    // Assess
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      status: "ready",
      requestedBy: "arn:aws:sts::123456789012:user/moto",
      requestReference: "AUD-2026-051",
      verification: { valid: true, records: events.length + 1, key: { pinned: true } },
    });
    const pack = await entries(file);
    expect([...pack.keys()]).toEqual([
      "public-key.pem",
      "records/000001.jsonl",
      "archive-locks/000001.jsonl",
      "completeness.json",
      "report.html",
      "manifest.json",
      "manifest.sig.json",
    ]);
    const manifest = JSON.parse(String(pack.get("manifest.json"))) as PackManifest;
    expect(manifest.scope).toEqual({ kind: "release", value: RELEASE });
    expect(manifest.streams.map((s) => [s.stream, s.firstSeq, s.headSeq])).toEqual([
      ["control/exceptions", 1, 1],
      [releaseStream(RELEASE), 1, events.length],
    ]);
    expect(manifest.extensions).toEqual(
      expect.arrayContaining(["archive-locks/v1", "segments/v1", "completeness/v1", "report/v1"]),
    );
    const report = String(pack.get("report.html"));
    expect(report).toContain("Release infusion-dose-api@2026.05.1");
    expect(report).toContain("Dr. Sarah Lindqvist");
    expect(report).toContain("EXC-2026-007");
  });

  it("records each record's archived version and COMPLIANCE lock, read back from S3, with the same bytes", async () => {
    const pack = await entries(join(dir, "release.evidence.tar.gz"));
    const entriesFound = locks(pack);
    const stream = releaseStream(RELEASE);
    const releaseLocks = entriesFound.filter((e) => e.stream === stream);
    expect(releaseLocks.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (const lock of releaseLocks) {
      const head = await plane.bucket.head(recordKey(lock.stream, lock.seq));
      expect(lock).toMatchObject({
        archived: true,
        versions: 1,
        versionId: head?.versionId,
        lockMode: "COMPLIANCE",
        retainUntil: head?.retainUntil?.toISOString(),
        legalHold: false,
        copy: "identical",
      });
    }
  });

  it("records the request as pack.generated on the evidence bus: who asked, for what, the pack's digest", async () => {
    const status = await cli(["pack", "create", "--release", RELEASE, "--wait"]);
    const job = JSON.parse(status.stdout);
    await plane.waitUntilSettled();
    const generated = (await streamRecords(plane, "control/packs")).map((r) => r.record.event);
    const mine = generated.find((e) => (e.data as JsonObject).packId === job.packId);
    expect(mine).toMatchObject({
      type: "pack.generated",
      data: {
        scope: { kind: "release", releaseId: RELEASE },
        packDigest: job.pack.packDigest,
        recordCount: events.length + 1,
        requestedBy: { id: "arn:aws:sts::123456789012:user/moto" },
      },
    });
  });

  it("packs every release of a commit and of an artifact digest, each whole", async () => {
    for (const [flag, value] of [
      ["--commit", commit],
      ["--artifact", artifact],
    ] as const) {
      const file = join(dir, `${flag.slice(2)}.evidence.tar.gz`);
      const run = await cli(["pack", "create", flag, value, "--wait", "-o", file]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).verification.valid).toBe(true);
      const pack = await entries(file);
      const manifest = JSON.parse(String(pack.get("manifest.json"))) as PackManifest;
      const streams = manifest.streams.map((s) => s.stream);
      expect(streams).toEqual([
        "control/exceptions",
        releaseStream(RELEASE),
        releaseStream(HOTFIX),
      ]);
      expect(manifest.streams.every((s) => s.firstSeq === 1)).toBe(true);
      const completeness = JSON.parse(String(pack.get("completeness.json"))) as Completeness;
      expect(completeness.notProven.join(" ")).toMatch(/no other release names the/);
    }
  });

  it("packs a time window as segments that start at their signed prev, and says what it does not prove", async () => {
    const file = join(dir, "window.evidence.tar.gz");
    const run = await cli([
      "pack",
      "create",
      "--from",
      windowFrom,
      "--to",
      windowTo,
      "--wait",
      "-o",
      file,
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).verification.valid).toBe(true);
    const pack = await entries(file);
    const manifest = JSON.parse(String(pack.get("manifest.json"))) as PackManifest;
    // The exception came before the window: its stream is not in the pack.
    expect(manifest.streams.map((s) => s.stream).sort()).toEqual(
      [releaseStream(RELEASE), releaseStream(HOTFIX)].sort(),
    );
    const completeness = JSON.parse(String(pack.get("completeness.json"))) as Completeness;
    expect(completeness.notProven.join(" ")).toMatch(
      /across releases in the window is not yet proven/,
    );
  });

  it("packs a segment from the middle of a release, starting at the digest of the record before it", async () => {
    const file = join(dir, "late-window.evidence.tar.gz");
    const records = await streamRecords(plane, releaseStream(RELEASE));
    const from = records[5]?.record.receivedAt ?? "";
    const to = records[9]?.record.receivedAt ?? "";
    const run = await cli(["pack", "create", "--from", from, "--to", to, "--wait", "-o", file]);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(String((await entries(file)).get("manifest.json"))) as PackManifest;
    const segment = manifest.streams.find((s) => s.stream === releaseStream(RELEASE));
    expect(segment).toMatchObject({ firstSeq: 6, headSeq: 9 });
    expect(segment?.firstPrev).toBe(recordDigest(records[4]?.record as EvidenceRecord));
    const report = await verifyPack(Readable.from([readFileSync(file)]), {
      trustedKey: (await plane.signer.publicKey()).spki,
      workers: 0,
    });
    expect(report.valid).toBe(true);
  });

  it("packs the events a Python producer put on the bus with boto3", async () => {
    // Prepare: a release put on the bus by boto3, as a Jenkins or GitLab job would
    const { python } = await ensureEmulatorInstalled();
    const release = "python-producer@4.0.0";
    const produced = demoRelease({ releaseId: release });
    const put = spawnSync(
      python,
      ["-c", BOTO3_PRODUCER, plane.endpoints.awsEndpoint, plane.resources.busName],
      {
        input: JSON.stringify(produced),
        encoding: "utf8",
      },
    );
    expect(put.stderr).toBe("");
    await plane.waitUntilSettled();
    // Act
    const file = join(dir, "boto3.evidence.tar.gz");
    const run = await cli(["pack", "create", "--release", release, "--wait", "-o", file]);
    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).verification).toMatchObject({
      valid: true,
      records: produced.length + 1,
    });
    expect((await entries(file)).has("report.html")).toBe(true);
  });

  it("answers with clear errors: nothing in scope, unknown pack, unsigned request", async () => {
    const missing = await cli(["pack", "create", "--release", "no-such-release@1"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no evidence is recorded for release no-such-release@1/);
    const unknown = await cli(["pack", "status", "pack-20260101-00000000000000000000"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/there is no pack pack-20260101-/);
    const unsigned = await fetch(`${plane.endpoints.apiUrl}/packs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ scope: { kind: "release", releaseId: RELEASE } }),
    });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { message: string }).message).toMatch(/no IAM identity/);
  });
});
