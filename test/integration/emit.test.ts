import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseStream } from "../../lib/core/records/index.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { runCli } from "../helpers/cli.ts";
import { startTestPlane, streamRecords } from "./plane.ts";

const EXAMPLE = "examples/events/build.completed.json";

describe("evidence emit against the local plane", () => {
  let plane: LocalPlane;
  let busArn: string;
  let endpoint: string;

  beforeAll(async () => {
    plane = await startTestPlane("emit");
    const { region, busName } = plane.resources;
    busArn = `arn:aws:events:${region}:${plane.endpoints.account}:event-bus/${busName}`;
    endpoint = plane.endpoints.awsEndpoint;
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("puts an event on the bus by ARN and it becomes a signed record", async () => {
    // Prepare
    const example = JSON.parse(readFileSync(EXAMPLE, "utf8")) as {
      id: string;
      subject: { releaseId: string };
    };

    // Act
    const run = await runCli([
      "emit",
      "--file",
      EXAMPLE,
      "--bus",
      busArn,
      "--endpoint-url",
      endpoint,
      "--json",
    ]);
    await plane.waitUntilSettled();

    // Assess
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as {
      eventId: string;
      type: string;
      eventBridgeId: string;
    };
    expect(printed).toMatchObject({ eventId: example.id, type: "build.completed" });
    expect(printed.eventBridgeId).not.toBe("");
    const records = await streamRecords(plane, releaseStream(example.subject.releaseId));
    expect(records).toHaveLength(1);
    expect(records[0]?.record).toMatchObject({ source: "evidence.cli", event: example });
    expect(records[0]?.signature.keyId).toBe(plane.resources.signingKeyId);
  });

  it("builds an event from flags, sends it, and a resend of the same id is recorded once", async () => {
    // Prepare
    const args = [
      "emit",
      "--no-ci",
      "--type",
      "deploy.completed",
      "--id",
      "it-emit-deploy-1",
      "--occurred-at",
      "2026-03-02T10:00:00Z",
      "--actor",
      "arn:aws:iam::123456789012:role/deployer",
      "--actor-kind",
      "workload",
      "--release",
      "it-emit@1.0.0",
      "--service",
      "it-emit",
      "--environment",
      "staging",
      "--artifact-digest",
      `sha256:${"c".repeat(64)}`,
      "--set",
      "data.deploymentId=d-1",
      "--set",
      'data.account="123456789012"',
      "--set",
      "data.region=us-east-1",
      "--bus",
      plane.resources.busName,
      "--region",
      plane.resources.region,
      "--endpoint-url",
      endpoint,
    ];

    // Act
    const first = await runCli(args);
    const again = await runCli(args);
    await plane.waitUntilSettled();

    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("it-emit-deploy-1\n");
    expect(again.code).toBe(0);
    const records = await streamRecords(plane, releaseStream("it-emit@1.0.0"));
    expect(records.map((r) => r.record.event.id)).toEqual(["it-emit-deploy-1"]);
  });

  it("refuses an invalid event and puts nothing on the bus", async () => {
    // Prepare
    await plane.waitUntilSettled();
    const received = plane.metrics.snapshot().EventsReceived;

    // Act
    const run = await runCli([
      "emit",
      "--no-ci",
      "--type",
      "deploy.completed",
      "--actor",
      "me",
      "--release",
      "it-emit-bad@1",
      "--bus",
      busArn,
      "--endpoint-url",
      endpoint,
    ]);
    await plane.waitUntilSettled();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("nothing was sent");
    expect(await streamRecords(plane, releaseStream("it-emit-bad@1"))).toEqual([]);
    expect(plane.metrics.snapshot().EventsReceived).toBe(received);
  });
});
