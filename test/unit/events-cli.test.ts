import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";

const ROOT = join(import.meta.dirname, "../..");
const example = (type: string) => join(ROOT, "examples/events", `${type}.json`);
const scratch = mkdtempSync(join(tmpdir(), "evidence-cli-"));

interface Run {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs `evidence <args>` in-process with captured streams and, optionally, standard input. */
async function run(args: string[], stdin: string | Buffer = ""): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk));
  stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const io: CliIo = { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]) };
  const code = await main(args, io);
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") };
}

/** A file in a scratch folder holding `content`. */
function file(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

function brokenBuild(): string {
  const event = JSON.parse(readFileSync(example("build.completed"), "utf8"));
  event.subject.artifactDigest = "sha256:abc";
  event.data.extra = true;
  return JSON.stringify(event);
}

describe("evidence validate", () => {
  it("prints one line and exits 0 for a valid event", async () => {
    const result = await run(["validate", example("build.completed")]);

    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe("valid build.completed gha:9087123456:build\n");
    expect(result.stderr).toBe("");
  });

  it("lists every issue and exits 1 for an invalid event", async () => {
    const result = await run(["validate", file("broken.json", brokenBuild())]);

    expect(result.code).toBe(1);
    const lines = result.stdout.toString().trimEnd().split("\n");
    expect(lines[0]).toBe("invalid build.completed gha:9087123456:build: 2 issues");
    expect(lines.slice(1).sort()).toEqual([
      "  $.data.extra: expected no member of that name here (allowed: buildId, builder, artifactName, startedAt, buildUrl, provenanceDigest), found true",
      '  $.subject.artifactDigest: expected a string matching sha256:<64 lowercase hex>, found "sha256:abc"',
    ]);
  });

  it("reads standard input for -", async () => {
    const result = await run(["validate", "-"], readFileSync(example("approval.decided")));

    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toMatch(/^valid approval\.decided /);
  });

  it("prints { valid, type, id, issues } with --json", async () => {
    const valid = await run(["validate", "--json", example("pack.generated")]);
    const invalid = await run(["validate", "-", "--json"], brokenBuild());
    const unparsable = await run(["validate", "--json", "-"], '{"type":"a","type":"b"}');

    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout.toString())).toEqual({
      valid: true,
      type: "pack.generated",
      id: "pack:pack-20260320-0001",
      issues: [],
    });
    expect(invalid.code).toBe(1);
    const verdict = JSON.parse(invalid.stdout.toString());
    expect(verdict).toMatchObject({ valid: false, type: "build.completed" });
    expect(verdict.issues).toHaveLength(2);
    expect(verdict.issues[0]).toEqual({
      path: expect.any(String),
      expected: expect.any(String),
      found: expect.any(String),
      message: expect.any(String),
    });
    expect(unparsable.code).toBe(1);
    expect(JSON.parse(unparsable.stdout.toString())).toEqual({
      valid: false,
      issues: [
        {
          path: "$.type",
          expected: "each member name once per object",
          found: 'a second "type"',
          message:
            '$.type: duplicate-key: member "type" appears more than once; send each member once',
        },
      ],
    });
  });

  it("escapes a hostile type and id in its summary line", async () => {
    const result = await run(["validate", "-"], '{"type":"\\u001b[2J","id":"x\\u202ey"}');

    expect(result.code).toBe(1);
    expect(result.stdout.toString().split("\n")[0]).toBe(
      'invalid "\\u001b[2J" "x\\u202ey": 1 issue',
    );
  });

  it.each([
    [
      "a missing file",
      ["validate", join(scratch, "absent.json")],
      /cannot read .*absent\.json: no such file/,
    ],
    ["a directory", ["validate", scratch], /cannot read .*: it is a directory/],
    ["no input named", ["validate"], /name a FILE, or - for standard input/],
    ["two inputs", ["validate", "a.json", "b.json"], /one input at a time/],
    ["an unknown option", ["validate", "--fast", "a.json"], /Unknown option '--fast'/],
  ])("exits 2 for %s", async (_case, args, message) => {
    const result = await run(args);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout.length).toBe(0);
  });

  it("explains itself with --help", async () => {
    const result = await run(["validate", "--help"]);

    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toMatch(/^usage: evidence validate FILE\|- \[--json\]/);
  });

  it("runs as a real process, exit code and all", () => {
    const result = spawnSync("npx", ["evidence", "validate", "-"], {
      cwd: ROOT,
      input: brokenBuild(),
      encoding: "utf8",
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^invalid build\.completed gha:9087123456:build: 2 issues\n/);
  });
});

describe("evidence canonicalize", () => {
  it("writes the canonical bytes with no trailing newline", async () => {
    const result = await run([
      "canonicalize",
      file("doc.json", '{ "b": [1.0, 2e3], "a": "\\u00e9" }\n'),
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout.toString("utf8")).toBe('{"a":"é","b":[1,2000]}');
    expect(result.stderr).toBe("");
  });

  it.each(["weird", "values", "structures"])(
    "matches the RFC 8785 reference output for %s, read from standard input",
    async (name) => {
      const fixtures = join(ROOT, "test/fixtures/rfc8785");
      const input = readFileSync(join(fixtures, "input", `${name}.txt`));

      const result = await run(["canonicalize", "-"], input);

      expect(result.code).toBe(0);
      expect(result.stdout.equals(readFileSync(join(fixtures, "output", `${name}.txt`)))).toBe(
        true,
      );
    },
  );

  it.each([
    ["duplicate members", '{"a":1,"b":{"c":2,"c":3}}', "duplicate-key", "$.b.c"],
    ["a lone surrogate", '{"name":"\\udead"}', "lone-surrogate", "$.name"],
    ["an integer beyond 2^53", '{"amount":12345678901234567890}', "unsafe-integer", "$.amount"],
    ["a number beyond a double", "[1e999]", "non-finite-number", "$[0]"],
    ["invalid UTF-8", Buffer.from([0x22, 0xff, 0x22]), "invalid-utf8", "$"],
    ["malformed JSON", '{"a":}', "syntax", "$.a"],
  ])("refuses %s and exits 1 with the reason and its path", async (_case, input, code, path) => {
    const result = await run(["canonicalize", "-"], input);

    expect(result.code).toBe(1);
    expect(result.stdout.length).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `^evidence canonicalize: refused \\(${code}\\) at ${path.replaceAll("$", "\\$").replaceAll("[", "\\[")}: `,
      ),
    );
  });

  it("tells producers to send big integers as strings", async () => {
    const result = await run(["canonicalize", "-"], '{"amount":12345678901234567890}');

    expect(result.stderr).toMatch(/send it as a string/);
  });

  it.each([
    ["a missing file", ["canonicalize", join(scratch, "absent.json")], /cannot read/],
    [
      "--json, which it does not take",
      ["canonicalize", "--json", "a.json"],
      /--json is not an option/,
    ],
  ])("exits 2 for %s", async (_case, args, message) => {
    const result = await run(args);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
