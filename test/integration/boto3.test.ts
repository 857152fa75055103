import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseStream } from "../../lib/core/records/index.ts";
import { demoRelease } from "../../lib/local/demo-release.ts";
import { ensureEmulatorInstalled } from "../../lib/local/emulator/index.ts";
import type { LocalPlane } from "../../lib/local/plane.ts";
import { startTestPlane, streamRecords } from "./plane.ts";

const RELEASE = "python-producer@3.1.4";

// A producer written in Python: boto3 from the emulator's virtual environment.
const PRODUCER = `
import json, sys, boto3
endpoint, region, bus = sys.argv[1:4]
events = json.load(sys.stdin)
client = boto3.client("events", endpoint_url=endpoint, region_name=region,
                      aws_access_key_id="local", aws_secret_access_key="local")
for start in range(0, len(events), 10):
    entries = [{"EventBusName": bus, "Source": "evidence.jenkins",
                "DetailType": e["type"], "Detail": json.dumps(e)} for e in events[start:start + 10]]
    result = client.put_events(Entries=entries)
    assert result["FailedEntryCount"] == 0, result
print(len(events))
`;

describe("events put with boto3", () => {
  let plane: LocalPlane;
  const events = demoRelease({ releaseId: RELEASE });

  beforeAll(async () => {
    plane = await startTestPlane("boto3");
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it("are ingested like any other", async () => {
    const { python } = await ensureEmulatorInstalled();

    const run = spawnSync(
      python,
      [
        "-c",
        PRODUCER,
        plane.endpoints.awsEndpoint,
        plane.resources.region,
        plane.resources.busName,
      ],
      { input: JSON.stringify(events), encoding: "utf8" },
    );
    await plane.waitUntilSettled();

    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe(String(events.length));
    const records = await streamRecords(plane, releaseStream(RELEASE));
    expect(records.map((r) => r.record.event.id).sort()).toEqual(
      events.map((e) => String(e.id)).sort(),
    );
    expect(records.every((r) => r.record.source === "evidence.jenkins")).toBe(true);
    expect((await plane.status()).archived).toBe(events.length);
  });
});
