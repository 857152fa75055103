import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmitCommand } from "../../lib/cli/commands/emit.ts";
import { validateEvent } from "../../lib/core/events/index.ts";

/**
 * Runs every `evidence emit` command written in examples/ci, as written, in the CI system's
 * environment (with --dry-run added), so a flag the CLI lacks or an event the catalogue refuses
 * fails here rather than in someone's pipeline.
 */

const DIGEST = `sha256:${"d".repeat(64)}`;
const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

const common = {
  EVIDENCE_BUS_ARN: "arn:aws:events:eu-west-1:111122223333:event-bus/evidence",
  AWS_REGION: "eu-west-1",
  SERVICE: "web",
  DEPLOY_ACCOUNT: "444455556666",
  ARTIFACT_DIGEST: DIGEST,
};

const systems = {
  "github-actions.yml": {
    ...common,
    GITHUB_ACTIONS: "true",
    GITHUB_SHA: SHA,
    GITHUB_REF: "refs/heads/main",
    GITHUB_REF_NAME: "main",
    GITHUB_REF_TYPE: "branch",
    GITHUB_REPOSITORY: "acme/web",
    GITHUB_RUN_ID: "9876543210",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_JOB: "build",
    GITHUB_WORKFLOW: "release",
    GITHUB_WORKFLOW_REF: "acme/web/.github/workflows/release.yml@refs/heads/main",
    RELEASE_ID: "web@57",
  },
  "buildspec.yml": {
    ...common,
    CODEBUILD_BUILD_ID: "web-build:0b7f2a58-7a3c-4b4e-9c51-2f0d1e6a9b11",
    CODEBUILD_BUILD_ARN:
      "arn:aws:codebuild:eu-west-1:444455556666:build/web-build:0b7f2a58-7a3c-4b4e-9c51-2f0d1e6a9b11",
    CODEBUILD_BUILD_NUMBER: "57",
    CODEBUILD_RESOLVED_SOURCE_VERSION: SHA,
    CODEBUILD_SOURCE_REPO_URL: "https://github.com/acme/web.git",
    RELEASE_ID: "web@57",
  },
  "gitlab-ci.yml": {
    ...common,
    GITLAB_CI: "true",
    CI_SERVER_URL: "https://gitlab.com",
    CI_PROJECT_PATH: "acme/web",
    CI_COMMIT_SHA: SHA,
    CI_COMMIT_BRANCH: "main",
    CI_COMMIT_REF_NAME: "main",
    CI_PIPELINE_ID: "4411",
    CI_JOB_ID: "99812",
    CI_JOB_NAME: "build",
    RELEASE_ID: "web@57",
  },
} as const;

/** Values of the GitHub expressions the workflow uses. */
const EXPRESSIONS: Record<string, string> = {
  "steps.artifact.outputs.digest": DIGEST,
  "needs.build.outputs.artifact-digest": DIGEST,
  "steps.aws.outputs.aws-account-id": "444455556666",
  "steps.deploy.outcome": "failure",
};

/** The `evidence emit` command lines of a CI file, continuation lines joined. */
function emitCommands(text: string): string[] {
  const joined = text.replace(/\\\n\s*/g, " ");
  const out: string[] = [];
  for (const line of joined.split("\n")) {
    const at = line.search(/(evidence|\$EVIDENCE) emit /);
    if (at < 0) continue;
    const command = line.slice(line.indexOf("emit ", at) + "emit ".length);
    out.push(command.split(";")[0] ?? "");
  }
  return out;
}

/** Splits a command line as sh would (quotes, $VAR and ${VAR} expansion); `${outcome[@]}` is a type. */
function words(command: string, env: Record<string, string>): string[] {
  const expanded = command
    .replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
      const value = EXPRESSIONS[expression];
      if (value === undefined) throw new Error(`no value for the expression ${expression}`);
      return value;
    })
    .replace(/"\$\{outcome\[@\]\}"/g, "--type deploy.completed");
  const out: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of expanded.matchAll(pattern)) {
    const raw = match[1] ?? match[2] ?? match[3] ?? "";
    const value =
      match[2] !== undefined
        ? raw
        : raw.replace(/\$\{?([A-Z_]+)\}?/g, (_, name: string) => {
            const v = env[name];
            if (v === undefined) throw new Error(`${name} is not set in the test's CI environment`);
            return v;
          });
    out.push(value);
  }
  return out;
}

let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "emit-examples-"));
  writeFileSync(join(dir, "web.tar.gz"), "artifact");
  writeFileSync(join(dir, "test-results.json"), "{}");
  writeFileSync(join(dir, "audit.json"), "{}");
  writeFileSync(
    join(dir, "test-data.json"),
    JSON.stringify({ suite: "unit", kind: "unit", passed: 412, failed: 0, skipped: 3 }),
  );
  writeFileSync(
    join(dir, "scan-data.json"),
    JSON.stringify({
      scanner: { name: "npm audit" },
      kind: "dependency",
      findings: { critical: 0, high: 1, medium: 2, low: 0, info: 0 },
    }),
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** File arguments point into the test's folder, where the files the pipeline makes exist. */
function inDir(arg: string): string {
  return arg.replace(
    /^(data\.[A-Za-z]+=)?((?:web\.tar\.gz|[a-z-]+\.json))$/,
    (_, prefix: string | undefined, file: string) => `${prefix ?? ""}${join(dir, file)}`,
  );
}

describe.each(Object.keys(systems) as Array<keyof typeof systems>)("examples/ci/%s", (file) => {
  const commands = emitCommands(readFileSync(join("examples/ci", file), "utf8"));

  it("emits at build, test, scan and deploy", () => {
    const types = commands.map((c) => /--type (\S+)/.exec(c)?.[1] ?? "(from outcome)");
    expect(types).toEqual(
      expect.arrayContaining([
        "build.completed",
        "test.completed",
        "scan.completed",
        "deploy.started",
      ]),
    );
  });

  it.each(commands.map((c) => [c.slice(0, 60), c]))(
    "%s... makes a valid event",
    async (_, command) => {
      // Prepare
      const env = { ...systems[file], EVIDENCE_STATE_DIR: dir };
      const args = [...words(command, env).map(inDir), "--dry-run"];
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
      const emit = createEmitCommand({
        env,
        now: () => new Date("2026-03-20T09:00:00.000Z"),
        randomId: () => "unused",
        async busName(options) {
          return options.bus ?? env.EVIDENCE_BUS_ARN;
        },
      });

      // Act
      const code = await emit.run(args, { stdout, stderr, stdin: new PassThrough() });

      // Assess
      expect(err).toBe("");
      expect(code).toBe(0);
      const entry = (JSON.parse(out) as { Entries: Array<{ Source: string; Detail: string }> })
        .Entries[0];
      expect(entry?.Source).toBe(
        `evidence.${file === "buildspec.yml" ? "codebuild" : file === "gitlab-ci.yml" ? "gitlab-ci" : "github-actions"}`,
      );
      const event = JSON.parse(entry?.Detail ?? "");
      expect(validateEvent(event)).toMatchObject({ valid: true });
      expect(event.id).toMatch(/^(github-actions|codebuild|gitlab-ci)-[0-9a-f]{40}$/);
    },
  );
});
