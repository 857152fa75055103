import { beforeAll, describe, expect, it } from "vitest";
import {
  actionsOf,
  everyHandler,
  resourcesOf,
  statementsOf,
  synthesize,
  type TemplateStatement,
} from "./synth.ts";

/** Actions that would change or erase evidence; no identity policy may allow any of them. */
const FORBIDDEN = [
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:DeleteTable",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:BypassGovernanceRetention",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutLifecycleConfiguration",
];

/** The only actions AWS does not scope by resource, and so the only ones allowed on `*`. */
const UNSCOPED_ACTIONS = [
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "dynamodb:ListStreams",
];

interface NamedStatement {
  readonly where: string;
  readonly statement: TemplateStatement;
}

let identityStatements: NamedStatement[];

/** The pack-jobs table holds job status, not evidence: its items may be updated (never deleted). */
const PACK_JOB_WRITES = ["dynamodb:UpdateItem"];

function onPackJobs(statement: TemplateStatement): boolean {
  return /^\{"Fn::GetAtt":\["TablesPackJobs[0-9A-F]{8}","Arn"\]\}$/.test(
    JSON.stringify(statement.Resource),
  );
}

/** Does `pattern` (an IAM action, maybe with wildcards) cover `action`? */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`,
    "i",
  );
  return regex.test(action);
}

beforeAll(() => {
  const { templates: byName } = synthesize({}, { handlerEntries: everyHandler() });
  const templates = [...byName.entries()].map(([name, template]) => ({ name, template }));
  identityStatements = templates.flatMap(({ name, template }) => [
    ...Object.entries(resourcesOf(template, "AWS::IAM::Policy")).flatMap(([id, policy]) =>
      statementsOf(policy.Properties.PolicyDocument).map((statement) => ({
        where: `${name}/${id}`,
        statement,
      })),
    ),
    ...Object.entries(resourcesOf(template, "AWS::IAM::ManagedPolicy")).flatMap(([id, policy]) =>
      statementsOf(policy.Properties.PolicyDocument).map((statement) => ({
        where: `${name}/${id}`,
        statement,
      })),
    ),
    ...Object.entries(resourcesOf(template, "AWS::IAM::Role")).flatMap(([id, role]) =>
      ((role.Properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).flatMap(
        (inline) =>
          statementsOf(inline.PolicyDocument).map((statement) => ({
            where: `${name}/${id}`,
            statement,
          })),
      ),
    ),
  ]);
});

describe("identity policies in every template", () => {
  it("exist (the checks below are not vacuous)", () => {
    expect(identityStatements.length).toBeGreaterThan(20);
  });

  it("never allow updating or deleting evidence, or unlocking it", () => {
    const offending = identityStatements.filter(
      ({ statement }) =>
        statement.Effect === "Allow" &&
        actionsOf(statement).some((pattern) =>
          FORBIDDEN.filter(
            (action) => !(onPackJobs(statement) && PACK_JOB_WRITES.includes(action)),
          ).some((action) => covers(pattern, action)),
        ),
    );

    expect(offending).toEqual([]);
  });

  it("allow UpdateItem only on the pack-jobs table", () => {
    const updates = identityStatements.filter(({ statement }) =>
      actionsOf(statement).includes("dynamodb:UpdateItem"),
    );

    for (const { statement } of updates) {
      expect(JSON.stringify(statement.Resource)).toMatch(/^\{"Fn::GetAtt":\["TablesPackJobs/);
    }
  });

  it("never use a service-wide or global wildcard action", () => {
    const wildcards = identityStatements.filter(({ statement }) =>
      actionsOf(statement).some((action) => action === "*" || action.endsWith(":*")),
    );

    expect(wildcards).toEqual([]);
  });

  it("use Resource * only for actions AWS does not scope by resource", () => {
    const unscoped = identityStatements.filter(
      ({ statement }) =>
        statement.Effect === "Allow" &&
        (statement.Resource === "*" ||
          (Array.isArray(statement.Resource) && statement.Resource.includes("*"))),
    );

    expect(unscoped.length).toBeGreaterThan(0);
    for (const { where, statement } of unscoped) {
      expect({ where, actions: actionsOf(statement) }).toEqual({
        where,
        actions: actionsOf(statement).filter((action) => UNSCOPED_ACTIONS.includes(action)),
      });
    }
  });

  it("grant kms:Sign through no identity policy (only the key policy names signers)", () => {
    const signing = identityStatements.filter(({ statement }) =>
      actionsOf(statement).some((action) => covers(action, "kms:Sign")),
    );

    expect(signing).toEqual([]);
  });
});
