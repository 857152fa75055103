import { describe, expect, it } from "vitest";
import {
  buildReport,
  Expectations,
  ExpectationsError,
  type KmsCall,
  kmsCallFrom,
  mergeSummaries,
  parseExpectations,
  parseInstant,
  principalOf,
  reconcile,
  renderHtml,
  renderText,
  summarize,
} from "../../lib/core/key-usage/index.ts";

const KEY = "arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";

/** The Sign entry of the AWS KMS developer guide, as CloudTrail writes it. */
function signRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: "1.08",
    userIdentity: {
      type: "IAMUser",
      principalId: "EX_PRINCIPAL_ID",
      arn: "arn:aws:iam::111122223333:user/Alice",
      accountId: "111122223333",
      accessKeyId: "EXAMPLE_KEY_ID",
      userName: "Alice",
    },
    eventTime: "2022-03-07T22:36:44Z",
    eventSource: "kms.amazonaws.com",
    eventName: "Sign",
    awsRegion: "us-west-2",
    sourceIPAddress: "192.0.2.0",
    userAgent: "AWS Internal",
    requestParameters: {
      messageType: "RAW",
      keyId: "0987dcba-09fe-87dc-65ba-ab0987654321",
      signingAlgorithm: "ECDSA_SHA_256",
    },
    responseElements: null,
    requestID: "8d0b35e0-46cf-48b9-be99-bf2ebc9ab9fb",
    eventID: "107b3cac-b125-4556-9702-12a2b9afcff7",
    readOnly: true,
    resources: [{ accountId: "111122223333", type: "AWS::KMS::Key", ARN: KEY }],
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: "111122223333",
    eventCategory: "Management",
    ...overrides,
  };
}

function call(overrides: Partial<KmsCall> = {}): KmsCall {
  return {
    eventId: "e1",
    requestId: "r1",
    eventTime: "2025-06-02T10:00:00Z",
    operation: "Sign",
    keyArn: KEY,
    principal: "arn:aws:iam::111122223333:role/Ingest",
    principalType: "AssumedRole",
    sourceAccount: "111122223333",
    region: "us-west-2",
    ...overrides,
  };
}

describe("kmsCallFrom", () => {
  it("reads the documented Sign entry", () => {
    expect(kmsCallFrom(signRecord())).toEqual({
      eventId: "107b3cac-b125-4556-9702-12a2b9afcff7",
      requestId: "8d0b35e0-46cf-48b9-be99-bf2ebc9ab9fb",
      eventTime: "2022-03-07T22:36:44Z",
      operation: "Sign",
      keyArn: KEY,
      principal: "arn:aws:iam::111122223333:user/Alice",
      principalType: "IAMUser",
      sourceAccount: "111122223333",
      region: "us-west-2",
      sourceIp: "192.0.2.0",
      readOnly: true,
    });
  });

  it("unwraps an EventBridge 'AWS API Call via CloudTrail' event", () => {
    const event = {
      version: "0",
      id: "6f1d2c3b-0000-4000-8000-000000000000",
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.kms",
      account: "111122223333",
      time: "2022-03-07T22:36:44Z",
      region: "us-west-2",
      resources: [],
      detail: signRecord(),
    };
    expect(kmsCallFrom(event)?.requestId).toBe("8d0b35e0-46cf-48b9-be99-bf2ebc9ab9fb");
  });

  it("builds the key ARN from a bare key id when a failed call lists no resource", () => {
    const record = signRecord({
      resources: undefined,
      errorCode: "AccessDeniedException",
      errorMessage: "denied",
    });
    expect(kmsCallFrom(record)).toMatchObject({ keyArn: KEY, errorCode: "AccessDeniedException" });
  });

  it("ignores other services and KMS calls on no key", () => {
    expect(kmsCallFrom(signRecord({ eventSource: "s3.amazonaws.com" }))).toBeUndefined();
    expect(
      kmsCallFrom(
        signRecord({ eventName: "ListKeys", resources: undefined, requestParameters: null }),
      ),
    ).toBeUndefined();
    expect(kmsCallFrom("not a record")).toBeUndefined();
  });
});

describe("principalOf", () => {
  it("counts every session of a role as the role", () => {
    const withIssuer = {
      type: "AssumedRole",
      arn: "arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName",
      accountId: "123456789012",
      sessionContext: {
        sessionIssuer: { type: "Role", arn: "arn:aws:iam::123456789012:role/RoleToBeAssumed" },
      },
    };
    const crossAccount = {
      type: "AssumedRole",
      arn: "arn:aws:sts::444455556666:assumed-role/ci/job-9",
    };
    expect(principalOf(withIssuer)).toEqual({
      principal: "arn:aws:iam::123456789012:role/RoleToBeAssumed",
      sessionName: "MySessionName",
    });
    expect(principalOf(crossAccount)).toEqual({
      principal: "arn:aws:iam::444455556666:role/ci",
      sessionName: "job-9",
    });
  });

  it("names services and bare accounts", () => {
    expect(
      principalOf({ type: "AWSService", invokedBy: "cloudtrail.amazonaws.com" }).principal,
    ).toBe("cloudtrail.amazonaws.com");
    expect(
      principalOf({ type: "AWSAccount", accountId: "444455556666", principalId: "AIDA" }).principal,
    ).toBe("account:444455556666");
  });
});

describe("expectations", () => {
  it.each([
    [{ keyz: [] }, "$.keyz"],
    [{ principals: { sign: ["x"] } }, "$.principals.sign"],
    [{ principals: { Sign: "arn" } }, "$.principals.Sign"],
    [{ accounts: ["1234"] }, "$.accounts[0]"],
    [{ regions: ["Ireland"] }, "$.regions[0]"],
    [{ keys: [{ principals: {} }] }, "$.keys[0]"],
  ])("refuses %j at %s", (document, path) => {
    expect(() => parseExpectations(document)).toThrow(ExpectationsError);
    try {
      parseExpectations(document);
    } catch (error) {
      expect((error as ExpectationsError).path).toBe(path);
    }
  });

  it("matches principal patterns, per-key lists first, and keys by id", () => {
    const expect_ = new Expectations(
      parseExpectations({
        keys: [
          {
            key: "0987dcba-09fe-87dc-65ba-ab0987654321",
            principals: { Sign: ["arn:aws:iam::*:role/Ci*"] },
          },
        ],
        principals: { Sign: ["arn:aws:iam::111122223333:role/Ingest-*"], GenerateDataKey: [] },
      }),
    );
    expect(expect_.covers(KEY)).toBe(true);
    expect(expect_.covers(KEY.replace("0987dcba", "1111aaaa"))).toBe(false);
    expect(expect_.allows(KEY, "Sign", "arn:aws:iam::111122223333:role/Ingest-Fn")).toBe(true);
    expect(expect_.allows(KEY, "Sign", "arn:aws:iam::444455556666:role/CiDeploy")).toBe(true);
    expect(expect_.allows(KEY, "Sign", "arn:aws:iam::111122223333:role/Ingest")).toBe(false);
    expect(expect_.checks(KEY, "GenerateDataKey")).toBe(true);
    expect(expect_.checks(KEY, "Verify")).toBe(false);
  });

  it("defaults to the key's own account and Region", () => {
    const defaults = new Expectations();
    expect(defaults.accountsFor(KEY)).toEqual(["111122223333"]);
    expect(defaults.regionsFor(KEY)).toEqual(["us-west-2"]);
  });
});

describe("summaries", () => {
  it("merging a summary with itself adds counts but no request id or administrative call", () => {
    // Prepare
    const summary = summarize([
      call(),
      call({ eventId: "e2", requestId: "r2" }),
      call({ eventId: "e3", requestId: "r3", operation: "PutKeyPolicy", readOnly: false }),
    ]);

    // Act
    const merged = mergeSummaries([summary, summary]);

    // Assess
    const sign = merged.usage.find((r) => r.operation === "Sign");
    expect(sign).toMatchObject({ count: 4, requestIds: ["r1", "r2"] });
    expect(merged.administrative).toHaveLength(1);
    expect(merged.window).toEqual({ start: "2025-06-02T10:00:00Z", end: "2025-06-02T10:00:00Z" });
  });

  it("keeps failed Sign calls out of the request ids to reconcile", () => {
    const summary = summarize([
      call(),
      call({ eventId: "e2", requestId: "r2", errorCode: "ThrottlingException" }),
    ]);
    expect(summary.usage[0]).toMatchObject({ count: 2, requestIds: ["r1"] });
  });
});

describe("reconcile", () => {
  const signCall = (requestId: string) => ({
    requestId,
    keyArn: KEY,
    principal: "arn:aws:iam::111122223333:role/Ingest",
    first: "2025-06-02T10:00:00Z",
    last: "2025-06-02T10:00:00Z",
  });

  it("accounts for Sign calls by records, manifests and abandoned signatures", () => {
    // Act
    const result = reconcile({
      signCalls: [signCall("a"), signCall("b"), signCall("c"), signCall("rogue")],
      signatures: [
        {
          kind: "record",
          requestId: "a",
          keyId: KEY,
          signedAt: "2025-06-02T10:00:00Z",
          ref: "release/r#1",
        },
        {
          kind: "record",
          requestId: "a",
          keyId: KEY,
          signedAt: "2025-06-02T10:00:00Z",
          ref: "release/r#1",
        },
        {
          kind: "manifest",
          requestId: "b",
          keyId: KEY,
          signedAt: "2025-06-02T10:00:00Z",
          ref: "pack:p",
        },
        {
          kind: "abandoned",
          requestId: "c",
          keyId: KEY,
          signedAt: "2025-06-02T10:00:00Z",
          ref: "sig#c",
        },
        { kind: "record", keyId: KEY, signedAt: "2025-06-02T10:30:00Z", ref: "release/r#2" },
        { kind: "record", requestId: "z", keyId: "local:abc", ref: "release/r#3" },
      ],
      signingKeys: [KEY],
      window: { start: "2025-06-02T09:00:00Z", end: "2025-06-02T12:00:00Z" },
    });

    // Assess
    expect(result.matchedByKind).toEqual({ record: 1, manifest: 1, abandoned: 1 });
    expect(result.unmatchedCalls.map((c) => c.requestId)).toEqual(["rogue"]);
    expect(result.unmatchedSignatures.map((s) => s.ref)).toEqual(["release/r#2"]);
  });

  it("does not judge signatures the logs cannot cover yet", () => {
    const result = reconcile({
      signCalls: [],
      signatures: [
        {
          kind: "record",
          requestId: "early",
          keyId: KEY,
          signedAt: "2025-06-01T00:00:00Z",
          ref: "x#1",
        },
        {
          kind: "record",
          requestId: "late",
          keyId: KEY,
          signedAt: "2025-06-02T11:58:00Z",
          ref: "x#2",
        },
      ],
      signingKeys: [KEY],
      window: { start: "2025-06-02T09:00:00Z", end: "2025-06-02T12:00:00Z" },
    });
    expect(result.outsideWindow).toBe(2);
    expect(result.unmatchedSignatures).toEqual([]);
  });
});

describe("parseInstant", () => {
  const now = new Date("2025-06-08T12:00:00Z");
  it.each([
    ["7d", "2025-06-01T12:00:00.000Z"],
    ["24h", "2025-06-07T12:00:00.000Z"],
    ["30m", "2025-06-08T11:30:00.000Z"],
    ["2w", "2025-05-25T12:00:00.000Z"],
    ["2025-06-01", "2025-06-01T00:00:00.000Z"],
    ["2025-06-01T08:00:00Z", "2025-06-01T08:00:00.000Z"],
  ])("%s", (text, iso) => {
    expect(parseInstant(text, now)?.toISOString()).toBe(iso);
  });

  it("refuses anything else", () => {
    expect(parseInstant("last week", now)).toBeUndefined();
    expect(parseInstant("7", now)).toBeUndefined();
  });
});

describe("rendering", () => {
  const report = buildReport({
    summary: summarize([
      call({ principal: 'arn:aws:iam::111122223333:role/<script>alert("x")</script>' }),
    ]),
    expectations: new Expectations(),
    expectationsGiven: false,
    generatedAt: "2025-06-03T00:00:00.000Z",
    source: "test & <logs>",
  });

  it("escapes everything the logs control and loads nothing from the network", () => {
    const html = renderHtml(report);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("test &amp; &lt;logs&gt;");
    expect(html).not.toMatch(/\b(src|href)=|@import|url\(/);
    expect(html).toContain("default-src 'none'");
  });

  it("prints the finding with what to do in text", () => {
    const text = renderText(report);
    expect(text).toContain("[HIGH] unexpected-principal");
    expect(text).toContain("add it to principals.Sign");
    expect(text).toContain("No --expect file");
  });
});
