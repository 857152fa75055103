import { Sha256 } from "@aws-crypto/sha256-js";
import { HeadObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { JsonObject } from "../../lib/core/canonical/index.ts";
import { releaseStream } from "../../lib/core/records/index.ts";
import { demoRelease } from "../../lib/local/demo-release.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { recordKey } from "../../lib/pipeline/archive.ts";
import { runCli } from "../helpers/cli.ts";
import { putOnBus, startTestPlane, streamRecords } from "./plane.ts";

const RELEASE = "dose-audit-api@2026.06.1";

interface Session {
  readonly arn: string;
  readonly env: Record<string, string>;
}

/** Assumes a role on the emulator's STS, as a person signing in through SSO would. */
async function assumeRole(role: string, session: string): Promise<Session> {
  const endpoint = new URL(inject("emulatorEndpoint"));
  const body = `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(`arn:aws:iam::123456789012:role/${role}`)}&RoleSessionName=${session}`;
  const signer = new SignatureV4({
    service: "sts",
    region: "us-east-1",
    sha256: Sha256,
    credentials: { accessKeyId: "AKIASIGNIN", secretAccessKey: "emulator" },
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path: "/",
    headers: { host: endpoint.host, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  const xml = await (
    await fetch(endpoint, {
      method: "POST",
      headers: signed.headers as Record<string, string>,
      body,
    })
  ).text();
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? "";
  return {
    arn: tag("Arn"),
    env: {
      AWS_ACCESS_KEY_ID: tag("AccessKeyId"),
      AWS_SECRET_ACCESS_KEY: tag("SecretAccessKey"),
      AWS_SESSION_TOKEN: tag("SessionToken"),
    },
  };
}

describe("legal holds through the pack API on the emulator", () => {
  let plane: LocalPlane;
  let alice: Session;
  let bob: Session;
  let packKey: string;
  let from = "";
  let to = "";
  const events = demoRelease({ releaseId: RELEASE });

  async function as(session: Session, args: string[]) {
    Object.assign(process.env, session.env, { AWS_REGION: "us-east-1" });
    return runCli([...args, "--api", plane.endpoints.apiUrl, "--json"]);
  }

  /** The legal hold status of every version of every record of the release, and of the pack. */
  async function holds(): Promise<string[]> {
    const s3 = plane.clients.s3;
    const found: string[] = [];
    const keys = events.map((_, i) => [
      plane.resources.evidenceBucket,
      recordKey(releaseStream(RELEASE), i + 1),
    ]);
    keys.push([plane.resources.packsBucket, packKey]);
    for (const [bucket, key] of keys as Array<[string, string]>) {
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
      const versions = (listed.Versions ?? []).filter((v) => v.Key === key);
      expect(versions.length).toBeGreaterThan(0);
      for (const version of versions) {
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: version.VersionId }),
        );
        found.push(head.ObjectLockLegalHoldStatus ?? "OFF");
      }
    }
    return found;
  }

  beforeAll(async () => {
    plane = await startTestPlane("holds");
    alice = await assumeRole("legal-counsel", "alice");
    bob = await assumeRole("legal-counsel", "bob");
    for (const event of events) await putOnBus(plane, [event]);
    await plane.waitUntilSettled();
    const records = await streamRecords(plane, releaseStream(RELEASE));
    from = records[0]?.record.receivedAt ?? "";
    to = new Date(Date.parse(records.at(-1)?.record.receivedAt ?? "") + 1).toISOString();
    const pack = await as(alice, ["pack", "create", "--release", RELEASE, "--wait"]);
    expect(pack.code).toBe(0);
    packKey = `packs/${JSON.parse(pack.stdout).packId}.evidence.tar.gz`;
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("places a legal hold on every object version of the release and its pack", async () => {
    // Prepare
    expect(new Set(await holds())).toEqual(new Set(["OFF"]));
    // Act
    const applied = await as(alice, [
      "legal-hold",
      "apply",
      "--release",
      RELEASE,
      "--case",
      "LIT-2026-0042",
      "--reason",
      "Preserve all evidence of the June release for the dosing claim.",
    ]);
    // Assess
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({
      caseId: "LIT-2026-0042",
      status: "applied",
      complete: true,
      records: events.length,
      packs: 1,
      versions: events.length + 1,
      appliedBy: alice.arn,
    });
    expect(new Set(await holds())).toEqual(new Set(["ON"]));
  });

  it("refuses a release by the principal who applied the hold, and changes nothing", async () => {
    const refused = await as(alice, [
      "legal-hold",
      "release",
      "--case",
      "LIT-2026-0042",
      "--reason",
      "Done.",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /was applied by arn:aws:sts::123456789012:assumed-role\/legal-counsel\/alice; it must be released by a different principal/,
    );
    expect(new Set(await holds())).toEqual(new Set(["ON"]));
  });

  it("keeps the versions another open case covers when one case is released", async () => {
    const second = await as(bob, [
      "legal-hold",
      "apply",
      "--from",
      from,
      "--to",
      to,
      "--case",
      "REG-2026-7",
      "--reason",
      "Regulator's inspection of June deployments.",
    ]);
    expect(second.code).toBe(0);
    const released = await as(bob, [
      "legal-hold",
      "release",
      "--release",
      RELEASE,
      "--case",
      "LIT-2026-0042",
      "--reason",
      "The claim was withdrawn.",
    ]);
    expect(released.code).toBe(0);
    expect(JSON.parse(released.stdout)).toMatchObject({
      status: "released",
      releasedBy: bob.arn,
      keptForOtherCases: events.length,
      versions: 1,
    });
    const after = await holds();
    expect(after.slice(0, events.length).every((s) => s === "ON")).toBe(true);
    expect(after.at(-1)).toBe("OFF");
  });

  it("refuses a release that names another scope than the case's", async () => {
    const wrong = await as(alice, [
      "legal-hold",
      "release",
      "--release",
      RELEASE,
      "--case",
      "REG-2026-7",
      "--reason",
      "Wrong case.",
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /covers evidence received from .* not release dose-audit-api@2026.06.1; nothing was released/,
    );
  });

  it("records both cases as evidence: who applied, who released, why", async () => {
    const released = await as(alice, [
      "legal-hold",
      "release",
      "--case",
      "REG-2026-7",
      "--reason",
      "Inspection closed.",
    ]);
    expect(released.code).toBe(0);
    expect(new Set(await holds())).toEqual(new Set(["OFF"]));
    await plane.waitUntilSettled();
    const recorded = (await streamRecords(plane, "control/legal-holds")).map((r) => r.record.event);
    const summary = recorded.map((e) => {
      const data = e.data as JsonObject;
      return [e.type, data.caseId, ((data.appliedBy ?? data.releasedBy) as JsonObject).id];
    });
    expect(summary).toEqual([
      ["legal-hold.applied", "LIT-2026-0042", alice.arn],
      ["legal-hold.applied", "REG-2026-7", bob.arn],
      ["legal-hold.released", "LIT-2026-0042", bob.arn],
      ["legal-hold.released", "REG-2026-7", alice.arn],
    ]);
  });
});
