import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";

describe("evidence local and evidence reconcile: usage", () => {
  it.each([
    [["local"], /name an action: up or status/],
    [["local", "down"], /unknown action "down"/],
    [["local", "up", "--log-level", "LOUD"], /--log-level must be one of/],
    [["local", "up", "--api-port", "70000"], /--api-port must be a port number/],
    [["reconcile", "--table", "events"], /give both --table and --bucket/],
    [["reconcile", "extra"], /unexpected extra/],
    [["reconcile", "--table", "t", "--bucket", "b", "--lock-mode", "SOFT"], /--lock-mode must be/],
  ])("evidence %j exits 2 and says what to do", async (argv, message) => {
    const run = await runCli(argv);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("prints the usage with --help and exits 0", async () => {
    const local = await runCli(["local", "--help"]);
    const reconcile = await runCli(["reconcile", "--help"]);

    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(/^usage: evidence local up/);
    expect(reconcile.code).toBe(0);
    expect(reconcile.stdout).toMatch(/^usage: evidence reconcile/);
  });
});
