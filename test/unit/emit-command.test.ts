import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmitCommand, type EmitDeps } from "../../lib/cli/commands/emit.ts";
import type { CliIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";
import { sha256Digest } from "../../lib/core/digest.ts";
import { validateEvent } from "../../lib/core/events/index.ts";

const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
const BUS = "arn:aws:events:eu-west-1:111122223333:event-bus/evidence";

function capture(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  return { io: { stdout, stderr, stdin: new PassThrough() }, out: () => out, err: () => err };
}

let dir = "";
let sent: Array<{ source: string; detailType: string; detail: string }> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "emit-"));
  sent = [];
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function github(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_ACTIONS: "true",
    GITHUB_SHA: SHA,
    GITHUB_REF: "refs/heads/main",
    GITHUB_REF_NAME: "main",
    GITHUB_REF_TYPE: "branch",
    GITHUB_REPOSITORY: "acme/web",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "9876543210",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_JOB: "build",
    GITHUB_ACTION: "__run_2",
    GITHUB_ACTOR: "octocat",
    GITHUB_WORKFLOW: "release",
    GITHUB_WORKFLOW_REF: "acme/web/.github/workflows/release.yml@refs/heads/main",
    EVIDENCE_STATE_DIR: dir,
    ...extra,
  };
}

function command(
  env: Record<string, string>,
  now = "2025-06-02T10:00:00.000Z",
  overrides: Partial<EmitDeps> = {},
) {
  return createEmitCommand({
    env,
    now: () => new Date(now),
    randomId: () => "0b7f2a58-7a3c-4b4e-9c51-2f0d1e6a9b11",
    async send(entry) {
      sent.push(entry);
      return { eventBridgeId: "eb-1", bus: BUS };
    },
    async busName(options) {
      return options.bus ?? env.EVIDENCE_BUS_ARN;
    },
    ...overrides,
  });
}

describe("evidence emit --dry-run", () => {
  it("prints a PutEvents request whose Detail validates, for an example event", async () => {
    // Prepare
    const { io, out } = capture();

    // Act
    const code = await command({ EVIDENCE_BUS_ARN: BUS }).run(
      ["--dry-run", "--file", "examples/events/build.completed.json"],
      io,
    );

    // Assess
    expect(code).toBe(0);
    const request = JSON.parse(out()) as { Entries: Array<Record<string, string>> };
    expect(request.Entries).toHaveLength(1);
    const [entry] = request.Entries;
    expect(entry).toMatchObject({
      Source: "evidence.cli",
      DetailType: "build.completed",
      EventBusName: BUS,
    });
    expect(validateEvent(JSON.parse(entry?.Detail ?? "")).valid).toBe(true);
    expect(sent).toEqual([]);
  });

  it("works through the evidence command line for every example event", async () => {
    for (const file of readdirSync("examples/events")) {
      const { io, out } = capture();
      const code = await main(
        ["emit", "--dry-run", "--no-ci", "--bus", BUS, "--file", `examples/events/${file}`],
        io,
      );
      expect(code, file).toBe(0);
      const detail =
        (JSON.parse(out()) as { Entries: Array<{ Detail: string }> }).Entries[0]?.Detail ?? "";
      expect(validateEvent(JSON.parse(detail)).valid, file).toBe(true);
    }
  });
});

describe("evidence emit from flags in CI", () => {
  it("builds a valid build.completed from the GitHub Actions environment and an artifact file", async () => {
    // Prepare
    const artifact = join(dir, "web.tar.gz");
    writeFileSync(artifact, "artifact bytes");
    const { io, out } = capture();

    // Act
    const code = await command(github()).run(
      [
        "--type",
        "build.completed",
        "--release",
        "web-1.4.0",
        "--service",
        "web",
        "--artifact-file",
        artifact,
        "--set",
        "data.artifactName=web.tar.gz",
        "--json",
      ],
      io,
    );

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out())).toEqual({
      eventId: "0b7f2a58-7a3c-4b4e-9c51-2f0d1e6a9b11",
      type: "build.completed",
      eventBridgeId: "eb-1",
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.source).toBe("evidence.github-actions");
    const event = JSON.parse(sent[0]?.detail ?? "");
    expect(event).toMatchObject({
      subject: {
        releaseId: "web-1.4.0",
        service: "web",
        commit: SHA,
        repository: "github.com/acme/web",
        artifactDigest: sha256Digest("artifact bytes"),
      },
      actor: {
        kind: "workload",
        id: "repo:acme/web:ref:refs/heads/main",
        issuer: "https://token.actions.githubusercontent.com",
      },
      data: {
        buildId: "9876543210",
        builder: { id: "github.com/acme/web/.github/workflows/release.yml@refs/heads/main" },
        buildUrl: "https://github.com/acme/web/actions/runs/9876543210",
        artifactName: "web.tar.gz",
      },
    });
    expect(validateEvent(event).valid).toBe(true);
  });

  it("sends the identical event when a step is retried with --deterministic-id", async () => {
    // Prepare
    const args = [
      "--type",
      "test.completed",
      "--release",
      "web-1.4.0",
      "--service",
      "web",
      "--artifact-digest",
      `sha256:${"a".repeat(64)}`,
      "--deterministic-id",
      "--data",
      '{"suite":"unit","kind":"unit","passed":412,"failed":0,"skipped":3}',
      "--digest",
      `data.reportDigest=${join(dir, "junit.xml")}`,
    ];
    writeFileSync(join(dir, "junit.xml"), "<testsuite/>");

    // Act
    await command(github(), "2025-06-02T10:00:00.000Z").run(args, capture().io);
    await command(github(), "2025-06-02T10:03:30.000Z").run(args, capture().io);
    await command(github({ GITHUB_RUN_ATTEMPT: "2" }), "2025-06-02T11:00:00.000Z").run(
      args,
      capture().io,
    );

    // Assess
    expect(sent).toHaveLength(3);
    expect(sent[1]?.detail).toBe(sent[0]?.detail);
    const [first, , rerun] = sent.map((s) => JSON.parse(s.detail));
    expect(first.id).toMatch(/^github-actions-[0-9a-f]{40}$/);
    expect(first.occurredAt).toBe("2025-06-02T10:00:00.000Z");
    expect(rerun.id).not.toBe(first.id);
  });

  it("gives different deterministic ids to events told apart by --id-key", async () => {
    const base = [
      "--type",
      "scan.completed",
      "--release",
      "r1",
      "--service",
      "web",
      "--deterministic-id",
      "--dry-run",
      "--data",
      '{"scanner":{"name":"trivy"},"kind":"container","findings":{"critical":0,"high":0,"medium":1,"low":2,"info":0},"reportDigest":"sha256:' +
        "b".repeat(64) +
        '"}',
    ];
    const a = capture();
    const b = capture();
    await command(github({ EVIDENCE_BUS_ARN: BUS })).run([...base, "--id-key", "image"], a.io);
    await command(github({ EVIDENCE_BUS_ARN: BUS })).run([...base, "--id-key", "deps"], b.io);
    const id = (text: string) =>
      JSON.parse(
        (JSON.parse(text) as { Entries: Array<{ Detail: string }> }).Entries[0]?.Detail ?? "",
      ).id;
    expect(id(a.out())).not.toBe(id(b.out()));
  });
});

describe("evidence emit refusals", () => {
  it("refuses an invalid event with the reasons and sends nothing", async () => {
    // Prepare
    const { io, err } = capture();

    // Act
    const code = await command(github()).run(
      ["--type", "build.completed", "--release", "web-1.4.0", "--service", "web"],
      io,
    );

    // Assess
    expect(code).toBe(1);
    expect(sent).toEqual([]);
    expect(err()).toMatch(/the event is invalid \(\d+ issues?\); nothing was sent/);
    expect(err()).toContain("$.subject");
  });

  it("refuses a file with duplicate members before it reaches the bus", async () => {
    const file = join(dir, "dup.json");
    writeFileSync(file, '{"type":"build.completed","type":"deploy.completed"}');
    const { io, out } = capture();
    const code = await command({}).run(["--file", file, "--json"], io);
    expect(code).toBe(1);
    expect(JSON.parse(out())).toMatchObject({ valid: false, issues: [{ path: "$.type" }] });
    expect(sent).toEqual([]);
  });

  it("asks for an actor outside CI", async () => {
    const { io, err } = capture();
    const code = await main(["emit", "--no-ci", "--type", "build.completed"], io);
    expect(code).toBe(2);
    expect(err()).toContain("give --actor");
  });

  it("refuses a source the evidence rule would drop", async () => {
    await expect(
      command({ EVIDENCE_BUS_ARN: BUS }).run(
        ["--file", "examples/events/build.completed.json", "--source", "ci.github"],
        capture().io,
      ),
    ).rejects.toThrow(/must start with "evidence\."/);
    expect(sent).toEqual([]);
  });
});
