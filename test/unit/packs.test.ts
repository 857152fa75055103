import type { APIGatewayProxyEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { canonicalize } from "../../lib/core/canonical/index.ts";
import { CHANGE_CATEGORIES } from "../../lib/core/controls/index.ts";
import * as fields from "../../lib/core/events/fields.ts";
import { SPEC_VERSION, validateEvent } from "../../lib/core/events/index.ts";
import { handlePackApi, type PackApiDeps } from "../../lib/packs/api.ts";
import { lockEntry, StreamVersions, sha256Base64 } from "../../lib/packs/archive-state.ts";
import type { LockedObjects, ObjectVersion, VersionState } from "../../lib/packs/bucket.ts";
import { PackServiceError } from "../../lib/packs/errors.ts";
import {
  EVENT_SPEC_VERSION,
  holdAppliedEntry,
  holdReleasedEntry,
  packGeneratedEntry,
} from "../../lib/packs/evidence-events.ts";
import type {
  EvidenceSource,
  RecordLocation,
  StoredLine,
} from "../../lib/packs/evidence-source.ts";
import type { LegalHoldState, PackJob, PackJobs } from "../../lib/packs/jobs.ts";
import { releaseLegalHold } from "../../lib/packs/legal-hold.ts";
import { LockFiles } from "../../lib/packs/lock-files.ts";
import { daysOf, resolvePlan } from "../../lib/packs/plan.ts";
import { formatScope, parseScope, SCOPE_FIELDS } from "../../lib/packs/scope.ts";
import { recordKey } from "../../lib/pipeline/archive.ts";

const DIGEST = `sha256:${"d".repeat(64)}` as const;

/** An event table in memory: streams of (seq, receivedAt), indexes by commit and artifact. */
function fakeSource(
  streams: Record<string, string[]>,
  index: Record<string, string[]> = {},
): EvidenceSource {
  return {
    async readHead(stream) {
      const list = streams[stream];
      return list ? { seq: list.length, digest: DIGEST } : undefined;
    },
    async *byIndex(_index, value): AsyncIterable<RecordLocation> {
      for (const stream of index[value] ?? []) yield { stream, seq: 1, receivedAt: "" };
    },
    async *receivedBetween(day, from, to): AsyncIterable<RecordLocation> {
      for (const [stream, times] of Object.entries(streams)) {
        for (const [i, at] of times.entries()) {
          if (at.startsWith(day) && at >= from && at < to)
            yield { stream, seq: i + 1, receivedAt: at };
        }
      }
    },
    async *streamRange(): AsyncIterable<StoredLine> {},
  };
}

describe("pack scopes", () => {
  it("reads the four kinds and names a wrong member", () => {
    expect(parseScope({ kind: "release", releaseId: "payments-api@2026.05.1" })).toEqual({
      kind: "release",
      releaseId: "payments-api@2026.05.1",
    });
    expect(() => parseScope({ kind: "commit", commit: "ABC" })).toThrow(
      /scope.commit: expected a commit id of 40 or 64 lower-case hex digits, found "ABC"/,
    );
    expect(() => parseScope({ kind: "artifact", artifactDigest: DIGEST, extra: 1 })).toThrow(
      /scope.extra: unknown member; a artifact scope has kind, artifactDigest/,
    );
    expect(() =>
      parseScope({ kind: "window", from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" }),
    ).toThrow(/scope.to must be after scope.from/);
    expect(() =>
      parseScope({ kind: "window", from: "2024-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }),
    ).toThrow(/at most 366 days/);
    expect(() =>
      parseScope({ kind: "commit", commit: "a".repeat(40) }, ["release", "window"]),
    ).toThrow(/scope.kind: expected one of release, window, found "commit"/);
  });

  it("writes a window in the pack format as one UTC interval", () => {
    expect(
      formatScope({
        kind: "window",
        from: "2026-03-02T10:30:00+01:00",
        to: "2026-03-03T00:00:00Z",
      }),
    ).toEqual({ kind: "window", value: "2026-03-02T09:30:00.000Z/2026-03-03T00:00:00.000Z" });
    expect(daysOf("2026-03-02T23:00:00.000Z", "2026-03-04T00:00:00.000Z")).toEqual([
      "2026-03-02",
      "2026-03-03",
    ]);
  });
});

describe("rules copied from the event catalogue, so the pack functions stay small", () => {
  it("are the catalogue's own", () => {
    const pairs = [
      [SCOPE_FIELDS.releaseId, fields.ReleaseId],
      [SCOPE_FIELDS.commit, fields.CommitId],
      [SCOPE_FIELDS.digest, fields.Digest],
      [SCOPE_FIELDS.name, fields.Name],
      [SCOPE_FIELDS.repository, fields.RepositoryName],
      [SCOPE_FIELDS.reference, fields.Reference],
      [SCOPE_FIELDS.timestamp, fields.Timestamp],
    ] as const;
    for (const [copy, original] of pairs) {
      expect(copy.pattern).toBe(original.pattern);
      expect("maxLength" in copy ? copy.maxLength : undefined).toBe(original.maxLength);
    }
    expect(EVENT_SPEC_VERSION).toBe(SPEC_VERSION);
    expect(CHANGE_CATEGORIES).toEqual(fields.CHANGE_CATEGORIES);
  });
});

describe("pack plans", () => {
  const streams = {
    "control/exceptions": ["2026-03-01T09:00:00.000Z"],
    "release/a@1": [
      "2026-03-02T10:00:00.000Z",
      "2026-03-02T11:00:00.000Z",
      "2026-03-03T09:00:00.000Z",
    ],
    "release/b@1": ["2026-03-01T10:00:00.000Z", "2026-03-02T12:00:00.000Z"],
  };

  it("holds a release whole, with the exceptions stream first", async () => {
    const plan = await resolvePlan({ kind: "release", releaseId: "a@1" }, fakeSource(streams));
    expect(plan.ranges).toEqual([
      { stream: "control/exceptions", fromSeq: 1, toSeq: 1, whole: true },
      { stream: "release/a@1", fromSeq: 1, toSeq: 3, whole: true },
    ]);
    expect(plan.records).toBe(4);
  });

  it("holds every release a commit names", async () => {
    const plan = await resolvePlan(
      { kind: "commit", commit: "c".repeat(40) },
      fakeSource(streams, { ["c".repeat(40)]: ["release/b@1", "release/a@1", "release/a@1"] }),
    );
    expect(plan.releases).toEqual(["a@1", "b@1"]);
  });

  it("holds each stream a window touches as the segment inside it", async () => {
    const plan = await resolvePlan(
      { kind: "window", from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z" },
      fakeSource(streams),
    );
    expect(plan.ranges).toEqual([
      { stream: "release/a@1", fromSeq: 1, toSeq: 2, whole: false },
      { stream: "release/b@1", fromSeq: 2, toSeq: 2, whole: false },
    ]);
  });

  it("refuses a scope with nothing in it, saying what to check", async () => {
    await expect(
      resolvePlan({ kind: "release", releaseId: "z@9" }, fakeSource(streams)),
    ).rejects.toThrow(/no evidence is recorded for release z@9/);
    await expect(
      resolvePlan(
        { kind: "window", from: "2027-01-01T00:00:00Z", to: "2027-01-02T00:00:00Z" },
        fakeSource(streams),
      ),
    ).rejects.toBeInstanceOf(PackServiceError);
  });
});

describe("archive state of a record", () => {
  const line = canonicalize({ record: { seq: 1 }, signature: {} });
  const sha = sha256Base64(line);
  const key = recordKey("release/a@1", 1);

  function bucket(states: Record<string, VersionState>, listed: ObjectVersion[]): LockedObjects {
    return {
      bucket: "b",
      async *versions(prefix: string, startAfter?: string) {
        for (const v of listed)
          if (v.key.startsWith(prefix) && (!startAfter || v.key > startAfter)) yield v;
      },
      head: async (_key, versionId) => states[versionId],
      setLegalHold: async () => undefined,
    };
  }

  it("reads the version whose bytes are the record, and counts the others", async () => {
    const objects = bucket(
      {
        new: {
          legalHold: false,
          lockMode: "COMPLIANCE",
          retainUntil: new Date("2033-01-01T00:00:00Z"),
          sha256: "other",
        },
        old: {
          legalHold: true,
          lockMode: "COMPLIANCE",
          retainUntil: new Date("2032-01-01T00:00:00Z"),
          sha256: sha,
        },
      },
      [
        { key, versionId: "new" },
        { key, versionId: "old" },
      ],
    );
    const versions = await new StreamVersions(objects, "release/a@1", 1).of(key);
    const entry = await lockEntry(objects, { stream: "release/a@1", seq: 1 }, versions, sha);
    expect(entry).toEqual({
      stream: "release/a@1",
      seq: 1,
      key,
      archived: true,
      versions: 2,
      versionId: "old",
      lockMode: "COMPLIANCE",
      retainUntil: "2032-01-01T00:00:00.000Z",
      legalHold: true,
      copy: "identical",
    });
  });

  it("says when a record is not archived, or its copy differs", async () => {
    const objects = bucket({ v: { legalHold: false, sha256: "other" } }, [{ key, versionId: "v" }]);
    expect(await lockEntry(objects, { stream: "release/a@1", seq: 1 }, [], sha)).toMatchObject({
      archived: false,
      versions: 0,
      copy: "unchecked",
    });
    const versions = await new StreamVersions(objects, "release/a@1", 1).of(key);
    expect(
      await lockEntry(objects, { stream: "release/a@1", seq: 1 }, versions, sha),
    ).toMatchObject({
      archived: true,
      copy: "different",
    });
  });

  it("finds each record's versions from one listing of the stream, in seq order", async () => {
    const listed = [2, 2, 5].map((seq, i) => ({
      key: recordKey("release/a@1", seq),
      versionId: `v${i}`,
    }));
    const versions = new StreamVersions(bucket({}, listed), "release/a@1", 2);
    const found = [];
    for (let seq = 2; seq <= 6; seq++)
      found.push((await versions.of(recordKey("release/a@1", seq))).length);
    expect(found).toEqual([2, 0, 0, 1, 0]);
  });
});

describe("archive-locks spool", () => {
  it("splits entries into files of 10,000 and streams each with its exact size", async () => {
    const spool = await LockFiles.create();
    try {
      for (let seq = 1; seq <= 10_001; seq++) {
        await spool.add({
          stream: "release/a@1",
          seq,
          key: recordKey("release/a@1", seq),
          archived: false,
          versions: 0,
          legalHold: false,
          copy: "unchecked",
        });
      }
      const files = await spool.finish();
      expect(files.map((f) => f.path)).toEqual([
        "archive-locks/000001.jsonl",
        "archive-locks/000002.jsonl",
      ]);
      const content = files[1]?.content as { bytes: number; read(): AsyncIterable<Uint8Array> };
      const parts: Buffer[] = [];
      for await (const chunk of content.read()) parts.push(Buffer.from(chunk));
      const text = Buffer.concat(parts).toString("utf8");
      expect(Buffer.byteLength(text)).toBe(content.bytes);
      expect(JSON.parse(text.trim())).toMatchObject({ seq: 10_001 });
    } finally {
      await spool.dispose();
    }
  });
});

describe("evidence the pack service records about itself", () => {
  it("builds pack.generated and legal-hold.applied events the catalogue accepts", () => {
    const generated = packGeneratedEntry({
      packId: "pack-20260320-0a1b2c3d4e5f60718293",
      scope: {
        kind: "window",
        from: "2026-03-02T00:00:00Z",
        to: "2026-03-03T00:00:00Z",
        service: "infusion-dose-api",
      },
      packDigest: DIGEST,
      records: 42,
      requestedBy: "arn:aws:sts::111122223333:assumed-role/auditor/e.rossi",
      requestReference: "AUD-2026-014",
      generatedAt: new Date("2026-03-20T09:45:31Z"),
      actor: "arn:aws:lambda:eu-west-1:111122223333:function:pack-assembler",
    });
    expect(generated.source).toBe("evidence.pack-service");
    const event = JSON.parse(generated.detail);
    expect(validateEvent(event).valid).toBe(true);
    expect(event).toMatchObject({
      id: `pack:pack-20260320-0a1b2c3d4e5f60718293:${"d".repeat(16)}`,
      subject: { service: "infusion-dose-api" },
      data: { requestedBy: { id: "arn:aws:sts::111122223333:assumed-role/auditor/e.rossi" } },
    });
    const applied = JSON.parse(
      holdAppliedEntry({
        caseId: "LIT-2026-0031",
        reason: "Preserve.",
        scope: { kind: "release", releaseId: "a@1" },
        appliedBy: "arn:aws:sts::1:assumed-role/legal/alice",
        at: new Date("2026-03-19T16:20:00Z"),
      }).detail,
    );
    expect(validateEvent(applied).valid).toBe(true);
    const released = JSON.parse(
      holdReleasedEntry({
        caseId: "LIT-2026-0031",
        reason: "Settled.",
        scope: {
          kind: "window",
          from: "2026-03-01T00:00:00Z",
          to: "2026-03-02T00:00:00Z",
          service: "svc",
        },
        releasedBy: "arn:aws:sts::1:assumed-role/legal/bob",
        at: new Date("2026-11-27T10:00:00Z"),
      }).detail,
    );
    expect(validateEvent(released)).toMatchObject({ valid: true });
  });
});

describe("legal hold release", () => {
  const hold: LegalHoldState = {
    caseId: "LIT-1",
    kind: "legal-hold",
    status: "applied",
    scope: { kind: "release", releaseId: "a@1" },
    reason: "r",
    appliedBy: "arn:aws:sts::1:assumed-role/legal/alice",
    appliedAt: "2026-03-19T16:20:00Z",
    versions: 3,
    updatedAt: "2026-03-19T16:20:00Z",
  };
  const jobs = { getHold: async () => hold } as unknown as PackJobs;
  const deps = { jobs } as unknown as Parameters<typeof releaseLegalHold>[1];

  it("is refused to the principal who applied the hold", async () => {
    const error = await releaseLegalHold(
      { caseId: "LIT-1", reason: "done", caller: hold.appliedBy },
      deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackServiceError);
    expect(error).toMatchObject({ code: "same-principal" });
    expect((error as Error).message).toMatch(/must be released by a different principal/);
  });

  it("is refused when it names another scope than the case's", async () => {
    await expect(
      releaseLegalHold(
        {
          caseId: "LIT-1",
          reason: "done",
          caller: "arn:aws:sts::1:assumed-role/legal/bob",
          expectedScope: { kind: "release", releaseId: "b@1" },
        },
        deps,
      ),
    ).rejects.toThrow(/covers release a@1, not release b@1; nothing was released/);
  });
});

describe("the pack API's edge", () => {
  function event(
    method: string,
    path: string,
    body?: unknown,
    userArn: string | null = "arn:aws:sts::1:assumed-role/auditor/e",
  ): APIGatewayProxyEvent {
    return {
      httpMethod: method,
      path,
      body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: { identity: { userArn } },
    } as unknown as APIGatewayProxyEvent;
  }
  const created: PackJob[] = [];
  const sent: string[] = [];
  const deps = {
    service: {
      source: fakeSource({ "release/a@1": ["2026-03-02T10:00:00.000Z"] }),
      jobs: {
        create: async (job: PackJob) => {
          created.push(job);
        },
        get: async () => undefined,
      },
      requests: { send: async (body: string) => void sent.push(body) },
    },
    holds: {},
  } as unknown as PackApiDeps;
  const budget = { remainingMs: () => 30_000 };
  const call = async (e: APIGatewayProxyEvent) => {
    const result = await handlePackApi(e, deps, budget);
    return { status: result.statusCode, body: JSON.parse(result.body), headers: result.headers };
  };

  it("accepts a pack request: 202, the pack id, a queued assembly", async () => {
    const answer = await call(
      event("POST", "/packs", {
        scope: { kind: "release", releaseId: "a@1" },
        requestReference: "AUD-1",
      }),
    );
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      status: "queued",
      requestedBy: "arn:aws:sts::1:assumed-role/auditor/e",
    });
    expect(answer.headers?.location).toBe(`/packs/${answer.body.packId}`);
    expect(sent).toEqual([JSON.stringify({ packId: answer.body.packId })]);
    expect(created[0]?.requestReference).toBe("AUD-1");
  });

  it("answers every refusal with a code, a message that says what to do, and its status", async () => {
    expect(
      await call(event("POST", "/packs", { scope: { kind: "release", releaseId: "a@1" } }, null)),
    ).toMatchObject({
      status: 403,
      body: { code: "unauthenticated" },
    });
    expect(await call(event("POST", "/packs", "{not json"))).toMatchObject({
      status: 400,
      body: { code: "invalid-request", message: expect.stringMatching(/the body is not JSON/) },
    });
    expect(
      await call(event("POST", "/packs", { scope: { kind: "release", releaseId: "zz@1" } })),
    ).toMatchObject({
      status: 404,
      body: { code: "nothing-in-scope" },
    });
    expect(await call(event("GET", "/packs/pack-x"))).toMatchObject({
      status: 404,
      body: { code: "not-found" },
    });
    expect(await call(event("DELETE", "/packs/pack-x"))).toMatchObject({ status: 405 });
    expect(await call(event("GET", "/nowhere"))).toMatchObject({
      status: 404,
      body: { code: "no-route" },
    });
    expect(
      await call(
        event("POST", "/legal-holds", {
          caseId: "bad id!",
          reason: "r",
          scope: { kind: "release", releaseId: "a@1" },
        }),
      ),
    ).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/caseId: use letters, digits/) },
    });
  });
});
