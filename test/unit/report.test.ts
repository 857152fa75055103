import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type JsonObject, strictParse } from "../../lib/core/canonical/index.ts";
import {
  ControlMapError,
  DEFAULT_CONTROL_MAP,
  parseControlMap,
} from "../../lib/core/controls/index.ts";
import type { ArchiveLockEntry } from "../../lib/core/pack/extensions.ts";
import type { ManifestStream } from "../../lib/core/pack/format.ts";
import { buildRecord, type StreamHead } from "../../lib/core/records/index.ts";
import type { EvidenceRecord } from "../../lib/core/records/types.ts";
import {
  type ControlStatus,
  completenessStatement,
  ReportCollector,
  renderReport,
} from "../../lib/core/report/index.ts";
import { demoRelease } from "../../lib/local/demo-release.ts";

const RELEASE = "infusion-dose-api@2026.03.2";
const NOW = new Date("2026-03-20T09:45:00Z");

function example(name: string): JsonObject {
  return strictParse(readFileSync(`examples/events/${name}.json`, "utf8")) as JsonObject;
}

/** Records of `events` in one stream each, in order, as the ingest would build them. */
function records(events: readonly JsonObject[]): EvidenceRecord[] {
  const heads = new Map<string, StreamHead>();
  return events.map((event, i) => {
    const probe = buildRecord({
      event: event as never,
      head: undefined,
      receivedAt: new Date(Date.parse("2026-03-02T10:00:00Z") + i * 60_000),
      sourceAccount: "111122223333",
      source: "evidence.ci",
    });
    const head = heads.get(probe.record.stream);
    const built = head
      ? buildRecord({
          event: event as never,
          head,
          receivedAt: new Date(probe.record.receivedAt),
          sourceAccount: "111122223333",
          source: "evidence.ci",
        })
      : probe;
    heads.set(built.record.stream, { seq: built.record.seq, digest: built.digest });
    return built.record;
  });
}

function lockOf(
  record: EvidenceRecord,
  overrides: Partial<ArchiveLockEntry> = {},
): ArchiveLockEntry {
  return {
    stream: record.stream,
    seq: record.seq,
    key: `records/00/${record.stream}/${String(record.seq).padStart(12, "0")}.json`,
    archived: true,
    versions: 1,
    versionId: `v-${record.seq}`,
    lockMode: "COMPLIANCE",
    retainUntil: "2033-03-04T00:00:00.000Z",
    legalHold: false,
    copy: "identical",
    ...overrides,
  };
}

function collect(
  input: readonly EvidenceRecord[],
  options: { whole?: boolean; locks?: (r: EvidenceRecord) => ArchiveLockEntry | undefined } = {},
) {
  const collector = new ReportCollector({
    controlMap: DEFAULT_CONTROL_MAP,
    now: NOW,
    isWhole: (_stream, firstSeq) => (options.whole ?? true) && firstSeq === 1,
  });
  for (const record of input) collector.add(record, options.locks?.(record));
  return collector.finish();
}

function statuses(collected: ReturnType<typeof collect>): Record<string, ControlStatus> {
  const release = collected.releases[0];
  return Object.fromEntries(
    (release?.evaluation.results ?? []).map((r) => [r.control.id, r.status]),
  );
}

function secondApproval(): JsonObject {
  const approval = structuredClone(
    demoRelease().find((e) => e.type === "approval.decided"),
  ) as JsonObject;
  approval.id = "approvals:second";
  const data = approval.data as JsonObject;
  data.approver = { id: "okta:00u2second", displayName: "Tomás Ortega" };
  return approval;
}

describe("the control map", () => {
  it("reads the shipped map back unchanged", () => {
    expect(parseControlMap(structuredClone(DEFAULT_CONTROL_MAP))).toEqual(DEFAULT_CONTROL_MAP);
  });

  it("names the member that is wrong, and what to write instead", () => {
    const withTypo = structuredClone(DEFAULT_CONTROL_MAP) as unknown as {
      controls: Array<Record<string, unknown>>;
    };
    const first = withTypo.controls[0] as Record<string, unknown>;
    first.requirment = first.requirement;
    expect(() => parseControlMap(withTypo)).toThrow(
      /\$\.controls\[0\]\.requirment: unknown member; allowed here: id, title/,
    );
    expect(() =>
      parseControlMap({
        version: 1,
        controls: [
          {
            id: "X",
            title: "t",
            description: "d",
            categories: ["clinical"],
            requirement: { kind: "build" },
          },
        ],
      }),
    ).toThrow(/categories\[0\]: expected one of \*, cosmetic, operational, clinical-risk/);
    expect(() =>
      parseControlMap({
        version: 1,
        controls: [
          {
            id: "A",
            title: "t",
            description: "d",
            categories: ["*"],
            requirement: { kind: "sbom" },
          },
          {
            id: "A",
            title: "t",
            description: "d",
            categories: ["*"],
            requirement: { kind: "sbom" },
          },
        ],
      }),
    ).toThrow(ControlMapError);
    expect(() =>
      parseControlMap({
        version: 1,
        controls: [
          {
            id: "A",
            title: "t",
            description: "d",
            categories: ["*"],
            requirement: { kind: "approvals", minimum: 0 },
          },
        ],
      }),
    ).toThrow(/minimum: expected a whole number from 1 to 20/);
  });
});

describe("control evaluation of a clinical-risk release", () => {
  const exception = example("exception.approved");

  it("passes build, SBOM, tests and validation, and shows one approval of two as a gap", () => {
    // Prepare
    const input = records([exception, ...demoRelease()]);
    // Act
    const result = statuses(collect(input));
    // Assess
    expect(result).toEqual({
      "REL-BUILD": "pass",
      "REL-SBOM": "pass",
      "REL-TESTS": "pass",
      "REL-POLICY": "excepted",
      "CLIN-VALIDATION": "pass",
      "CLIN-APPROVALS": "gap",
      "CLIN-REVIEW": "pass",
    });
  });

  it("passes approvals with a second approver", () => {
    const events = demoRelease();
    const at = events.findIndex((e) => e.type === "approval.decided");
    events.splice(at + 1, 0, secondApproval());
    expect(statuses(collect(records([exception, ...events])))["CLIN-APPROVALS"]).toBe("pass");
  });

  it("finds a policy warning unwaived when its exception is absent, expired or revoked", () => {
    expect(statuses(collect(records(demoRelease())))["REL-POLICY"]).toBe("gap");
    const expired = structuredClone(exception);
    (expired.data as JsonObject).expiresAt = "2026-03-01T00:00:00Z";
    expect(statuses(collect(records([expired, ...demoRelease()])))["REL-POLICY"]).toBe("gap");
    const revoked = example("exception.revoked");
    revoked.occurredAt = "2026-02-25T00:00:00Z";
    expect(statuses(collect(records([exception, revoked, ...demoRelease()])))["REL-POLICY"]).toBe(
      "gap",
    );
  });

  it("reports a gap in a segment as incomplete: the evidence may be outside the pack", () => {
    const input = records(demoRelease()).slice(3);
    const collected = collect(input, { whole: false });
    expect(statuses(collected)["CLIN-APPROVALS"]).toBe("incomplete");
    expect(collected.releases[0]?.whole).toBe(false);
  });

  it("needs a clean secrets scan for a security-sensitive change", () => {
    const events = demoRelease().map((event) => {
      const copy = structuredClone(event);
      if ("changeCategory" in copy) copy.changeCategory = "security-sensitive";
      return copy;
    });
    const scan = events.find((e) => (e.data as JsonObject).kind === "dependency") as JsonObject;
    (scan.data as JsonObject).kind = "secrets";
    (scan.data as JsonObject).findings = { critical: 0, high: 1, medium: 0, low: 0, info: 0 };
    const result = collect(records(events));
    expect(statuses(result)["SEC-SECRETS"]).toBe("gap");
    const finding = result.releases[0]?.evaluation.results.find(
      (r) => r.control.id === "SEC-SECRETS",
    );
    expect(finding?.summary).toMatch(/found 1 high/);
  });

  it("has nothing to check when nothing was deployed", () => {
    const events = demoRelease().filter(
      (e) => !String(e.type).startsWith("deploy.") && e.type !== "rollback.completed",
    );
    expect(statuses(collect(records(events)))["REL-BUILD"]).toBe("not-applicable");
  });
});

describe("archive state in the report", () => {
  it("lists records not archived, not locked, rewritten or different", () => {
    const input = records(demoRelease());
    const collected = collect(input, {
      locks: (r) =>
        r.seq === 2
          ? lockOf(r, { archived: false, versions: 0, copy: "unchecked", lockMode: undefined })
          : r.seq === 3
            ? lockOf(r, { versions: 2 })
            : r.seq === 4
              ? lockOf(r, { copy: "different" })
              : lockOf(r, { legalHold: r.seq === 1 }),
    });
    const stream = collected.streams[0];
    expect(stream?.archive).toMatchObject({
      entries: input.length,
      archived: input.length - 1,
      compliance: input.length - 1,
      legalHold: 1,
      different: 1,
      rewritten: 1,
    });
    expect(collected.archiveGaps.map((g) => [g.seq, g.problem])).toEqual([
      [2, "not archived"],
      [3, "2 versions at the key: something wrote to it again"],
      [4, "the archived copy differs from the record"],
    ]);
  });
});

describe("completeness statements", () => {
  const streams: ManifestStream[] = [
    {
      stream: `release/${RELEASE}`,
      firstSeq: 1,
      headSeq: 15,
      headDigest: `sha256:${"a".repeat(64)}`,
      records: 15,
    },
  ];

  it("states that a release pack holds all of the release", () => {
    const c = completenessStatement({
      scope: { kind: "release", value: RELEASE },
      generatedAt: NOW.toISOString(),
      resolvedBy: "the release's stream",
      streams,
      planned: [{ stream: `release/${RELEASE}`, whole: true }],
    });
    expect(c.proven[0]).toMatch(
      /all of its evidence recorded up to 2026-03-20T09:45:00.000Z, seq 1 to 15/,
    );
    expect(c.streams[0]).toMatchObject({ whole: true, firstPrev: `sha256:${"0".repeat(64)}` });
  });

  it("says plainly that a window does not prove completeness across releases", () => {
    const segment: ManifestStream = {
      stream: `release/${RELEASE}`,
      firstSeq: 5,
      headSeq: 9,
      headDigest: `sha256:${"a".repeat(64)}`,
      records: 5,
      firstPrev: `sha256:${"b".repeat(64)}`,
    };
    const c = completenessStatement({
      scope: { kind: "window", value: "2026-03-02T00:00:00Z/2026-03-03T00:00:00Z" },
      generatedAt: NOW.toISOString(),
      resolvedBy: "the byDay index",
      streams: [segment],
      planned: [{ stream: segment.stream, whole: false }],
    });
    expect(c.streams[0]).toMatchObject({ whole: false, firstPrev: segment.firstPrev });
    expect(c.notProven.join(" ")).toMatch(
      /Completeness across releases in the window is not yet proven/,
    );
  });
});

describe("report.html", () => {
  function render(events: readonly JsonObject[]) {
    const input = records(events);
    const collected = collect(input, { locks: (r) => lockOf(r) });
    const manifestStreams = collected.streams.map((s) => ({
      stream: s.stream,
      firstSeq: s.firstSeq,
      headSeq: s.headSeq,
      headDigest: `sha256:${"c".repeat(64)}` as const,
      records: s.records,
    }));
    return renderReport({
      packId: "pack-20260320-test",
      scope: { kind: "release", value: RELEASE },
      generatedAt: NOW.toISOString(),
      generator: { name: "evidence-plane", version: "0.1.0", identity: "arn:aws:iam::1:role/x" },
      key: { keyId: "arn:aws:kms:eu-west-1:1:key/k", fingerprint: "f".repeat(64) },
      records: input.length,
      completeness: completenessStatement({
        scope: { kind: "release", value: RELEASE },
        generatedAt: NOW.toISOString(),
        resolvedBy: "the release's stream",
        streams: manifestStreams,
        planned: manifestStreams.map((s) => ({ stream: s.stream, whole: true })),
      }),
      collected,
      controlMap: DEFAULT_CONTROL_MAP,
    });
  }

  it("is one self-contained page: inline CSS, no script, nothing fetched", () => {
    const html = render([example("exception.approved"), ...demoRelease()]);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<style>");
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(|@import/i);
    expect(html).toContain("@media print");
    for (const id of [
      "summary",
      "completeness",
      "releases",
      "exceptions",
      "archive",
      "verification",
      "controls",
    ]) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain("Dr. Sarah Lindqvist");
    expect(html).toContain('<span class="badge gap">Gap</span>');
  });

  it("escapes evidence text, so an event cannot inject markup or reorder text", () => {
    const events = demoRelease();
    const approval = events.find((e) => e.type === "approval.decided") as JsonObject;
    (approval.data as JsonObject).comment = '<script>alert(1)</script> "quoted" \u202Eevil';
    const html = render(events);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot;");
    expect(html).toContain("&lt;U+202E&gt;evil");
  });
});
