import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  configFromContext,
  LOCAL_CONFIG,
  loadConfigFile,
  parseConfig,
} from "../../lib/config/index.ts";
import { SCHEMA_FILE, schemaDocument } from "../../lib/config/write-schema.ts";
import { DEFAULT_RETENTION } from "../../lib/core/retention.ts";

const valid = {
  evidenceAccount: "111111111111",
  region: "eu-west-1",
  producers: { accounts: ["222222222222"] },
  auditorPrincipals: ["arn:aws:iam::444444444444:role/Auditor"],
  securityPrincipals: ["arn:aws:iam::111111111111:role/Security"],
  alarms: { emails: ["alerts@example.com"] },
};

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected parseConfig to refuse the configuration");
}

describe("parseConfig", () => {
  it("applies the defaults: COMPLIANCE, default retention, workload region, account trust", () => {
    const config = parseConfig(valid);

    expect(config.objectLockMode).toBe("COMPLIANCE");
    expect(config.retention).toEqual(DEFAULT_RETENTION);
    expect(config.namePrefix).toBe("evidence-plane");
    expect(config.workloads).toEqual({ region: "eu-west-1", trustAccountPrincipals: true });
    expect(config.replicaRegion).toBeUndefined();
    expect(config.busArchiveRetentionDays).toBe(365);
  });

  it("keeps per-class retention overrides and fills the other classes with defaults", () => {
    const config = parseConfig({ ...valid, retention: { "key-usage": { days: 400 } } });

    expect(config.retention["key-usage"]).toEqual({ days: 400 });
    expect(config.retention.release).toEqual(DEFAULT_RETENTION.release);
  });

  it("accepts GOVERNANCE only when written out", () => {
    expect(parseConfig({ ...valid, objectLockMode: "GOVERNANCE" }).objectLockMode).toBe(
      "GOVERNANCE",
    );
  });

  it("accepts an organization without accounts, and turns account trust off with OIDC", () => {
    const config = parseConfig({
      ...valid,
      producers: { organizationId: "o-a1b2c3d4e5" },
      workloads: { githubOidc: { subjects: ["repo:example-bank/api:ref:refs/heads/main"] } },
    });

    expect(config.producers).toEqual({ accounts: [], organizationId: "o-a1b2c3d4e5" });
    expect(config.workloads.githubOidc).toEqual({
      provider: "create",
      subjects: ["repo:example-bank/api:ref:refs/heads/main"],
    });
    expect(config.workloads.trustAccountPrincipals).toBe(false);
  });

  it("names the field, what it expects and what it found", () => {
    expect(problemsOf({ ...valid, evidenceAccount: "1234" })).toEqual([
      'evidenceAccount: expected 12 digits, found "1234"',
    ]);
  });

  it("lists every problem at once, shape and cross-field alike", () => {
    const problems = problemsOf({
      ...valid,
      evidenceAccount: "12345678901x",
      region: "Europe",
      producers: {},
      auditorPrincipals: [],
      securityPrincipals: ["arn:aws:iam::111111111111:user/alice"],
      objectLockMode: "governance",
      retention: { release: { days: 0 }, forever: { days: 1 } },
      alarms: {},
      colour: "blue",
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        'evidenceAccount: expected 12 digits, found "12345678901x"',
        'region: expected an AWS region such as eu-west-1, found "Europe"',
        "auditorPrincipals: expected a list of 1 to 20 distinct IAM role ARNs, found []",
        expect.stringMatching(/^securityPrincipals\[0\]: expected an IAM role ARN/),
        'objectLockMode: expected one of "COMPLIANCE", "GOVERNANCE", found "governance"',
        "retention.release.days: expected a whole number of days from 1 to 36500, found 0",
        expect.stringMatching(/^retention\.forever: unknown field \(allowed here: release, /),
        expect.stringMatching(/^colour: unknown field/),
        "producers: expected at least one account or an organizationId, found neither",
        "alarms: expected at least one email or a topicArn, found neither",
      ]),
    );
    expect(problems).toHaveLength(10);
  });

  it("reports a missing required field with what it expects", () => {
    const { region: _region, ...withoutRegion } = valid;

    expect(problemsOf(withoutRegion)).toEqual([
      "region: expected an AWS region such as eu-west-1, found nothing (required)",
    ]);
  });

  it("refuses a producer that is the evidence account itself", () => {
    expect(problemsOf({ ...valid, producers: { accounts: ["111111111111"] } })).toEqual([
      expect.stringMatching(
        /^producers\.accounts\[0\]: expected a delivery account other than the evidence account/,
      ),
    ]);
  });

  it("refuses GitHub subjects that do not pin an organization", () => {
    const problems = problemsOf({
      ...valid,
      workloads: { githubOidc: { subjects: ["repo:*/*:*", "*"] } },
    });

    expect(problems).toEqual([
      expect.stringMatching(
        /^workloads\.githubOidc\.subjects\[0\]: expected a GitHub OIDC subject/,
      ),
      expect.stringMatching(
        /^workloads\.githubOidc\.subjects\[1\]: expected a GitHub OIDC subject/,
      ),
    ]);
  });

  it("refuses an alarm topic in another region and a replica in the same region", () => {
    const problems = problemsOf({
      ...valid,
      alarms: { topicArn: "arn:aws:sns:us-east-1:111111111111:soc" },
      replicaRegion: "eu-west-1",
    });

    expect(problems).toEqual([
      "alarms.topicArn: expected a topic in eu-west-1 (alarms notify topics in their own region), found one in us-east-1",
      'replicaRegion: expected a region other than region (eu-west-1), found "eu-west-1"',
    ]);
  });

  it("refuses a pipeline role that nobody could assume", () => {
    expect(problemsOf({ ...valid, workloads: { trustAccountPrincipals: false } })).toEqual([
      expect.stringMatching(/^workloads: expected githubOidc or trustAccountPrincipals: true/),
    ]);
  });

  it("puts the count and every problem in the message", () => {
    expect(() => parseConfig({ ...valid, evidenceAccount: "1", region: "x" })).toThrow(
      /has 2 problems:\n {2}- evidenceAccount: expected 12 digits, found "1"\n {2}- region: /,
    );
  });
});

describe("loading", () => {
  it("loads the worked example the CDK app uses", () => {
    const config = loadConfigFile("evidence-plane.config.example.json");

    expect(config.evidenceAccount).toMatch(/^\d{12}$/);
    expect(config.objectLockMode).toBe("COMPLIANCE");
  });

  it("says which file is unreadable or not JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "config-"));
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");

    expect(() => loadConfigFile(join(dir, "missing.json"))).toThrow(
      /cannot read .*missing\.json: ENOENT/,
    );
    expect(() => loadConfigFile(broken)).toThrow(
      /broken\.json has 1 problem:\n {2}- not valid JSON/,
    );
  });

  it("prefers inline context over the file and explains when neither is set", () => {
    const context = new Map<string, unknown>([
      ["evidencePlane:config", JSON.stringify(valid)],
      ["evidencePlane:configFile", "does-not-exist.json"],
    ]);

    expect(configFromContext((key) => context.get(key)).evidenceAccount).toBe("111111111111");
    expect(() => configFromContext(() => undefined)).toThrow(
      /set context evidencePlane:configFile to a JSON file/,
    );
  });
});

describe("LOCAL_CONFIG", () => {
  it("describes the emulator's single account with the production defaults", () => {
    expect(LOCAL_CONFIG.evidenceAccount).toBe("123456789012");
    expect(LOCAL_CONFIG.objectLockMode).toBe("COMPLIANCE");
    expect(LOCAL_CONFIG.retention).toEqual(DEFAULT_RETENTION);
    expect(LOCAL_CONFIG.namePrefix).toMatch(/^[a-z][a-z0-9-]+$/);
  });
});

describe("published schema", () => {
  it("matches the TypeBox source (regenerate with node lib/config/write-schema.ts)", () => {
    const published = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as unknown;

    expect(published).toEqual(JSON.parse(schemaDocument()));
  });
});
