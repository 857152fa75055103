import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalize, strictParse } from "../../lib/core/canonical/index.ts";
import {
  EVENT_TYPES,
  type EventEnvelope,
  type EventOfType,
  type EventType,
  type EvidenceEvent,
  eventFamily,
  parseAndValidateEvent,
  RELEASE_LESS_EVENT_TYPES,
  type ValidationIssue,
  validateEvent,
} from "../../lib/core/events/index.ts";

const EXAMPLES = join(import.meta.dirname, "../../examples/events");

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the examples at any depth.
type Loose = Record<string, any>;

/** A fresh copy of the example event of `type`, free to change. */
function example(type: EventType): Loose {
  return JSON.parse(readFileSync(join(EXAMPLES, `${type}.json`), "utf8"));
}

function issuesOf(input: unknown): ValidationIssue[] {
  const result = validateEvent(input);
  if (result.valid) throw new Error("the event was accepted");
  return result.issues;
}

describe("event catalogue", () => {
  it("defines exactly the agreed types", () => {
    expect([...EVENT_TYPES].sort()).toEqual([
      "approval.decided",
      "artifact.published",
      "artifact.signed",
      "build.completed",
      "change.classified",
      "commit.pushed",
      "deploy.completed",
      "deploy.failed",
      "deploy.started",
      "exception.approved",
      "exception.revoked",
      "key-usage.summarized",
      "legal-hold.applied",
      "legal-hold.released",
      "monitoring.baseline",
      "pack.generated",
      "policy.evaluated",
      "review.submitted",
      "rollback.completed",
      "sbom.generated",
      "scan.completed",
      "test.completed",
    ]);
  });

  it("names the release-less types and their families", () => {
    expect(RELEASE_LESS_EVENT_TYPES.map(eventFamily)).toEqual([
      "exception",
      "exception",
      "legal-hold",
      "legal-hold",
      "pack",
      "key-usage",
    ]);
  });

  it("documents every type in docs/events.md", () => {
    const docs = readFileSync(join(import.meta.dirname, "../../docs/events.md"), "utf8");
    for (const type of EVENT_TYPES) expect(docs, type).toContain(`**\`${type}\`**`);
  });

  it("ships one example per type and nothing else", () => {
    const files = readdirSync(EXAMPLES).sort();
    expect(files).toEqual(EVENT_TYPES.map((type) => `${type}.json`).sort());
  });
});

describe("examples", () => {
  it.each(EVENT_TYPES)("%s example is valid and of its type", (type) => {
    const result = parseAndValidateEvent(readFileSync(join(EXAMPLES, `${type}.json`)));

    expect(result).toMatchObject({ valid: true, event: { type } });
  });

  it("tell one release story: one release, service, commit and artifact throughout", () => {
    const events = EVENT_TYPES.map(example);
    const values = (member: string) =>
      new Set(events.map((event) => event.subject[member]).filter((v) => v !== undefined));

    expect(values("releaseId").size).toBe(1);
    expect(values("service").size).toBe(1);
    expect(values("commit").size).toBe(1);
    expect(values("artifactDigest").size).toBe(1);
    expect(values("repository").size).toBe(1);
  });

  it("keep release-less events out of every release", () => {
    for (const type of RELEASE_LESS_EVENT_TYPES) {
      expect(example(type).subject.releaseId).toBeUndefined();
    }
  });

  it("are returned as the very object validated, unchanged", () => {
    const input = example("scan.completed");
    const before = canonicalize(input);

    const result = validateEvent(input);

    expect(result.valid && result.event).toBe(input);
    expect(canonicalize(input)).toBe(before);
  });
});

type Mutation = (event: Loose) => void;

const hex = (length: number) => "a".repeat(length);

describe("broken events are refused with the path, the expectation and what was found", () => {
  it.each<[string, EventType, Mutation, string, string | RegExp, string]>([
    [
      "an upper-case digest",
      "build.completed",
      (e) => {
        e.subject.artifactDigest = `sha256:${"AB".repeat(32)}`;
      },
      "$.subject.artifactDigest",
      "a string matching sha256:<64 lowercase hex>",
      `"${`sha256:${"AB".repeat(32)}`.slice(0, 64)}…" (71 characters)`,
    ],
    [
      "a review decision outside the list",
      "review.submitted",
      (e) => {
        e.data.decision = "lgtm";
      },
      "$.data.decision",
      'one of "approved", "changes-requested", "commented"',
      '"lgtm"',
    ],
    [
      "an approval decision outside the list",
      "approval.decided",
      (e) => {
        e.data.decision = "maybe";
      },
      "$.data.decision",
      'one of "approved", "rejected"',
      '"maybe"',
    ],
    [
      "a missing release id",
      "build.completed",
      (e) => {
        delete e.subject.releaseId;
      },
      "$.subject.releaseId",
      /^a release id made of letters, digits/,
      "nothing",
    ],
    [
      "a 39-digit commit",
      "commit.pushed",
      (e) => {
        e.subject.commit = hex(39);
      },
      "$.subject.commit",
      "a git commit id of 40 or 64 lowercase hex digits",
      `"${hex(39)}"`,
    ],
    [
      "an 11-digit account",
      "deploy.completed",
      (e) => {
        e.data.account = "11112222333";
      },
      "$.data.account",
      "a 12-digit AWS account id",
      '"11112222333"',
    ],
    [
      "a region that is not one",
      "deploy.started",
      (e) => {
        e.data.region = "Ireland";
      },
      "$.data.region",
      "an AWS Region such as eu-west-1",
      '"Ireland"',
    ],
    [
      "a time without a time zone",
      "commit.pushed",
      (e) => {
        e.occurredAt = "2026-03-02T08:41:17";
      },
      "$.occurredAt",
      "an RFC 3339 date-time with a time zone, such as 2026-03-02T09:30:00Z",
      '"2026-03-02T08:41:17"',
    ],
    [
      "a date that does not exist",
      "commit.pushed",
      (e) => {
        e.occurredAt = "2026-02-30T08:41:17Z";
      },
      "$.occurredAt",
      "an RFC 3339 date-time with a time zone, such as 2026-03-02T09:30:00Z",
      '"2026-02-30T08:41:17Z"',
    ],
    [
      "an event id with a space",
      "sbom.generated",
      (e) => {
        e.id = "gha 1";
      },
      "$.id",
      "an event id made of letters, digits and . _ : -, 1-128 characters",
      '"gha 1"',
    ],
    [
      "an event id of 129 characters",
      "sbom.generated",
      (e) => {
        e.id = "x".repeat(129);
      },
      "$.id",
      "an event id made of letters, digits and . _ : -, 1-128 characters",
      `"${"x".repeat(64)}…" (129 characters)`,
    ],
    [
      "another spec version",
      "sbom.generated",
      (e) => {
        e.specVersion = "2.0";
      },
      "$.specVersion",
      '"1.0"',
      '"2.0"',
    ],
    [
      "a negative count",
      "test.completed",
      (e) => {
        e.data.passed = -1;
      },
      "$.data.passed",
      "an integer from 0 to 1000000000",
      "-1",
    ],
    [
      "a fractional count",
      "sbom.generated",
      (e) => {
        e.data.componentCount = 1.5;
      },
      "$.data.componentCount",
      "an integer from 0 to 1000000000",
      "1.5",
    ],
    [
      "a count given as a string",
      "scan.completed",
      (e) => {
        e.data.findings.high = "0";
      },
      "$.data.findings.high",
      "an integer from 0 to 1000000000",
      '"0"',
    ],
    [
      "too many tags",
      "artifact.published",
      (e) => {
        e.data.tags = Array.from({ length: 51 }, (_, i) => `t${i}`);
      },
      "$.data.tags",
      "an array of at most 50 items, without repeats",
      "an array of 51 items",
    ],
    [
      "a repeated tag",
      "artifact.published",
      (e) => {
        e.data.tags = ["2026.03.2", "latest", "2026.03.2"];
      },
      "$.data.tags",
      "an array of at most 50 items, without repeats",
      "item [0] repeated at [2]",
    ],
    [
      "a terminal escape in a title",
      "commit.pushed",
      (e) => {
        e.data.title = "fix\u001b[2Jdose";
      },
      "$.data.title",
      "a single line of text without control characters, 1-256 characters",
      '"fix\\u001b[2Jdose"',
    ],
    [
      "a justification longer than allowed",
      "exception.approved",
      (e) => {
        e.data.justification = "j".repeat(4001);
      },
      "$.data.justification",
      "text without control characters other than tab and newline, 1-4000 characters",
      `"${"j".repeat(64)}…" (4001 characters)`,
    ],
    [
      "a scan of neither artifact nor commit",
      "scan.completed",
      (e) => {
        delete e.subject.artifactDigest;
        delete e.subject.commit;
      },
      "$.subject",
      "at least one of artifactDigest, commit",
      "none of them",
    ],
    [
      "a commit recorded by neither message digest nor title",
      "commit.pushed",
      (e) => {
        delete e.data.messageDigest;
        delete e.data.title;
      },
      "$.data",
      "at least one of messageDigest, title",
      "none of them",
    ],
    [
      "a signature with neither key nor identity",
      "artifact.signed",
      (e) => {
        e.data.signer = { issuer: "https://token.actions.githubusercontent.com" };
      },
      "$.data.signer",
      "at least one of keyId, identity",
      "none of them",
    ],
    [
      "a hold scope of an unknown kind",
      "legal-hold.applied",
      (e) => {
        e.data.scope = { kind: "everything" };
      },
      "$.data.scope.kind",
      'one of "release", "window"',
      '"everything"',
    ],
    [
      "a pack scope without its kind",
      "pack.generated",
      (e) => {
        e.data.scope = { releaseId: "r-1" };
      },
      "$.data.scope.kind",
      'one of "release", "commit", "artifact", "window"',
      "nothing",
    ],
    [
      "a hold window that ends before it starts",
      "legal-hold.applied",
      (e) => {
        e.data.scope = { kind: "window", from: "2026-03-10T00:00:00Z", to: "2026-03-01T00:00:00Z" };
      },
      "$.data.scope.to",
      "a time after $.data.scope.from (2026-03-10T00:00:00Z)",
      '"2026-03-01T00:00:00Z"',
    ],
    [
      "an exception that expired before it was approved",
      "exception.approved",
      (e) => {
        e.data.expiresAt = "2026-02-01T00:00:00Z";
      },
      "$.data.expiresAt",
      "a time after $.occurredAt (2026-02-20T15:32:10Z)",
      '"2026-02-01T00:00:00Z"',
    ],
    [
      "an observation window of no time",
      "monitoring.baseline",
      (e) => {
        e.data.observationWindow.to = e.data.observationWindow.from;
      },
      "$.data.observationWindow.to",
      /^a time after \$\.data\.observationWindow\.from/,
      '"2026-03-04T08:00:00Z"',
    ],
    [
      "a release id on a release-less event",
      "exception.revoked",
      (e) => {
        e.subject.releaseId = "infusion-dose-api@2026.03.2";
      },
      "$.subject.releaseId",
      /^no member of that name here \(allowed: service, commit,/,
      '"infusion-dose-api@2026.03.2"',
    ],
    [
      "a change category where none belongs",
      "build.completed",
      (e) => {
        e.changeCategory = "cosmetic";
      },
      "$.changeCategory",
      /^no member of that name here/,
      '"cosmetic"',
    ],
    [
      "a classification without its category",
      "change.classified",
      (e) => {
        delete e.changeCategory;
      },
      "$.changeCategory",
      'one of "cosmetic", "operational", "clinical-risk", "security-sensitive", "data-processing"',
      "nothing",
    ],
    [
      "an unknown top-level member",
      "deploy.failed",
      (e) => {
        e.severity = "high";
      },
      "$.severity",
      "no member of that name here (allowed: id, type, specVersion, occurredAt, actor, subject, changeCategory, data)",
      '"high"',
    ],
    [
      "data that is not an object",
      "policy.evaluated",
      (e) => {
        e.data = "allow";
      },
      "$.data",
      "an object",
      '"allow"',
    ],
    [
      "an actor of an unknown kind",
      "approval.decided",
      (e) => {
        e.actor.kind = "robot";
      },
      "$.actor.kind",
      'one of "human", "workload"',
      '"robot"',
    ],
    [
      "a link that is not https",
      "monitoring.baseline",
      (e) => {
        e.data.dashboardUrl = "http://grafana.internal/d/abc";
      },
      "$.data.dashboardUrl",
      "an https:// URL, at most 2048 characters",
      '"http://grafana.internal/d/abc"',
    ],
    [
      "an e-mail that is not one",
      "review.submitted",
      (e) => {
        e.data.reviewer.email = "daniel at harbor";
      },
      "$.data.reviewer.email",
      "an e-mail address, at most 254 characters",
      '"daniel at harbor"',
    ],
  ])("%s", (_case, type, mutate, path, expected, found) => {
    // Prepare
    const event = example(type);
    mutate(event);

    // Act
    const issues = issuesOf(event);

    // Assess
    expect(issues).toHaveLength(1);
    const [issue] = issues as [ValidationIssue];
    expect(issue.path).toBe(path);
    if (typeof expected === "string") expect(issue.expected).toBe(expected);
    else expect(issue.expected).toMatch(expected);
    if (typeof found === "string") expect(issue.found).toBe(found);
    else expect(issue.found).toMatch(found);
    expect(issue.message).toBe(`${issue.path}: expected ${issue.expected}, found ${issue.found}`);
  });

  it("lists every problem of an event, one per path", () => {
    const event = example("deploy.failed");
    event.data.account = "1";
    event.data.region = "mars-1";
    delete event.data.reason;
    event.data.extra = true;

    const paths = issuesOf(event).map((issue) => issue.path);

    expect(paths.sort()).toEqual([
      "$.data.account",
      "$.data.extra",
      "$.data.reason",
      "$.data.region",
    ]);
  });

  it("suggests the member meant when a name is misspelt", () => {
    const event = example("rollback.completed");
    event.data.resaon = event.data.reason;
    delete event.data.reason;

    const issues = issuesOf(event);
    const unknown = issues.find((issue) => issue.path === "$.data.resaon");

    expect(issues.map((issue) => issue.path).sort()).toEqual(["$.data.reason", "$.data.resaon"]);
    expect(unknown?.expected).toMatch(/^no member of that name here \(did you mean "reason"\?/);
    expect(unknown?.found).toMatch(/^"Automatic rollback/);
  });

  it("answers an unknown type with one issue that lists the known types", () => {
    const event = example("build.completed");
    event.type = "build.complete";

    const issues = issuesOf(event);

    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("$.type");
    expect(issues[0]?.found).toBe('"build.complete"');
    for (const type of EVENT_TYPES) expect(issues[0]?.expected).toContain(`"${type}"`);
  });

  it.each([
    ["an array", [], "$", "an array of 0 items"],
    ["null", null, "$", "null"],
    ["a string", "build.completed", "$", '"build.completed"'],
    ["an object without a type", { id: "x" }, "$.type", "nothing"],
    ["an object whose type is a number", { type: 7 }, "$.type", "7"],
  ])("refuses %s as an event", (_case, input, path, found) => {
    const issues = issuesOf(input);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path, found });
  });

  it("does not read a type from the prototype chain", () => {
    expect(issuesOf({ type: "constructor" })[0]?.path).toBe("$.type");
    expect(issuesOf({ type: "__proto__" })[0]?.path).toBe("$.type");
  });
});

describe("parseAndValidateEvent", () => {
  const text = readFileSync(join(EXAMPLES, "build.completed.json"), "utf8");

  it("accepts text and bytes alike", () => {
    expect(parseAndValidateEvent(text).valid).toBe(true);
    expect(parseAndValidateEvent(new TextEncoder().encode(text)).valid).toBe(true);
  });

  it.each([
    [
      "a duplicate member",
      text.replace('"id":', '"type": "build.completed",\n  "id":'),
      "$.type",
      "duplicate-key",
    ],
    [
      "a lone surrogate",
      text.replace('"artifactName": "', '"artifactName": "\\udc00'),
      "$.data.artifactName",
      "lone-surrogate",
    ],
    [
      "an integer beyond 2^53",
      text.replace('"version": "', '"size": 18014398509481984, "version": "'),
      "$.data.builder.size",
      "unsafe-integer",
    ],
    [
      "a missing comma",
      text.replace('"service": "infusion-dose-api",', '"service": "x"'),
      "$.subject",
      "syntax",
    ],
  ])("refuses %s with a code-like message", (_case, input, path, code) => {
    const result = parseAndValidateEvent(input);

    expect(result.valid).toBe(false);
    const issues = result.valid ? [] : result.issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(path);
    expect(issues[0]?.message.startsWith(`${path}: ${code}: `)).toBe(true);
  });

  it("refuses bytes that are not UTF-8", () => {
    const bytes = Buffer.from(text.replace("infusion-dose-api", "infusion-dose-\u00e9pi"), "utf8");
    const broken = Buffer.from(bytes);
    broken[bytes.indexOf(0xc3)] = 0xff;

    const result = parseAndValidateEvent(broken);

    expect(result).toMatchObject({
      valid: false,
      issues: [{ path: "$", expected: "UTF-8 text", found: "bytes that are not UTF-8" }],
    });
  });

  it("keeps the canonical form of an accepted event stable", () => {
    const result = parseAndValidateEvent(text);
    if (!result.valid) throw new Error("refused");
    const canonical = canonicalize(result.event);

    expect(canonicalize(strictParse(canonical))).toBe(canonical);
  });
});

describe("event types", () => {
  it("narrow on type and are all envelopes", () => {
    const result = validateEvent(example("deploy.failed"));
    if (!result.valid) throw new Error("refused");
    const event: EvidenceEvent = result.event;
    const envelope: EventEnvelope = event;

    let reason = "";
    if (event.type === "deploy.failed") {
      const failed: EventOfType<"deploy.failed"> = event;
      reason = failed.data.reason;
    }

    expect(envelope.subject.environment).toBe("production");
    expect(reason).toMatch(/canary/);
  });
});
