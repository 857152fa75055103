import type { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { EvidenceBus, PutEventsError } from "../../lib/adapters/bus.ts";

/** A client that fails the entries `fail` chooses and records what it was sent. */
function fakeClient(fail: (detail: string, call: number) => string | undefined) {
  const calls: string[][] = [];
  const client = {
    async send(command: PutEventsCommand) {
      const entries = command.input.Entries ?? [];
      calls.push(entries.map((e) => e.Detail ?? ""));
      const call = calls.length;
      return {
        FailedEntryCount: 0,
        Entries: entries.map((entry, i) => {
          const code = fail(entry.Detail ?? "", call);
          return code
            ? { ErrorCode: code, ErrorMessage: "try again" }
            : { EventId: `id-${call}-${i}` };
        }),
      };
    },
  };
  return { client: client as unknown as EventBridgeClient, calls };
}

const entry = (n: number) => ({ source: "evidence.ci", detailType: "t", detail: `{"n":${n}}` });

describe("EvidenceBus", () => {
  it("puts 10 entries per call and returns the ids in entry order", async () => {
    const { client, calls } = fakeClient(() => undefined);
    const bus = new EvidenceBus({ client, busName: "b" });

    const ids = await bus.put(Array.from({ length: 23 }, (_, i) => entry(i)));

    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(ids).toHaveLength(23);
    expect(ids[22]).toBe("id-3-2");
  });

  it("sends again only the entries EventBridge failed", async () => {
    const { client, calls } = fakeClient((detail, call) =>
      call === 1 && detail === '{"n":1}' ? "ThrottlingException" : undefined,
    );
    const bus = new EvidenceBus({ client, busName: "b" });

    const ids = await bus.put([entry(0), entry(1), entry(2)]);

    expect(calls).toEqual([['{"n":0}', '{"n":1}', '{"n":2}'], ['{"n":1}']]);
    expect(ids).toEqual(["id-1-0", "id-2-0", "id-1-2"]);
  });

  it("gives up after its attempts, naming the failed entries", async () => {
    const { client, calls } = fakeClient(() => "InternalFailure");
    const bus = new EvidenceBus({ client, busName: "b", maxAttempts: 3 });

    const failure = await bus.put([entry(0)]).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(PutEventsError);
    expect((failure as PutEventsError).failures).toEqual([
      { entry: entry(0), code: "InternalFailure", message: "try again" },
    ]);
    expect(calls).toHaveLength(3);
  });
});
