import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../lib/adapters/aws-config.ts";
import { NoBusError, resolveBus, sendEvent } from "../../lib/emit/send.ts";

const ARN = "arn:aws:events:eu-west-1:111122223333:event-bus/evidence";
const empty = mkdtempSync(join(tmpdir(), "emit-send-"));

afterAll(() => {
  rmSync(empty, { recursive: true, force: true });
});

describe("resolveBus", () => {
  it("takes the Region from the bus ARN and leaves credentials to the SDK", async () => {
    const to = await resolveBus({ bus: ARN, env: {}, root: empty });
    expect(to).toEqual({ bus: ARN, origin: "--bus", target: { region: "eu-west-1" } });
  });

  it("reads EVIDENCE_BUS_ARN, and uses placeholder credentials for an emulator endpoint", async () => {
    const to = await resolveBus({
      endpointUrl: "http://127.0.0.1:5000",
      env: { EVIDENCE_BUS_ARN: ARN },
      root: empty,
    });
    expect(to).toEqual({
      bus: ARN,
      origin: "EVIDENCE_BUS_ARN",
      target: {
        region: "eu-west-1",
        endpoint: "http://127.0.0.1:5000",
        credentials: EMULATOR_CREDENTIALS,
      },
    });
  });

  it("asks for a Region when the bus is a name", async () => {
    await expect(resolveBus({ bus: "evidence", env: {}, root: empty })).rejects.toThrow(
      /give the ARN .* or --region/,
    );
  });

  it("says how to name a bus when none is given and no local plane runs", async () => {
    const error = await resolveBus({ env: {}, root: empty }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoBusError);
    expect((error as Error).message).toMatch(/give --bus <event bus ARN> or set EVIDENCE_BUS_ARN/);
  });
});

describe("sendEvent", () => {
  it("sends again the entry EventBridge reports as failed, and returns its id", async () => {
    // Prepare
    const calls: PutEventsCommand["input"][] = [];
    const client = {
      async send(command: PutEventsCommand) {
        calls.push(command.input);
        return calls.length === 1
          ? {
              FailedEntryCount: 1,
              Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" }],
            }
          : { FailedEntryCount: 0, Entries: [{ EventId: "eb-42" }] };
      },
    } as unknown as EventBridgeClient;
    const entry = { source: "evidence.cli", detailType: "build.completed", detail: "{}" };

    // Act
    const id = await sendEvent(
      { bus: ARN, origin: "--bus", target: { region: "eu-west-1" } },
      entry,
      client,
    );

    // Assess
    expect(id).toBe("eb-42");
    expect(calls).toHaveLength(2);
    expect(calls[1]?.Entries).toEqual([
      { EventBusName: ARN, Source: "evidence.cli", DetailType: "build.completed", Detail: "{}" },
    ]);
  });
});
