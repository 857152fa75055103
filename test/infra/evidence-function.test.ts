import { App, Duration, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as kms from "aws-cdk-lib/aws-kms";
import { describe, expect, it } from "vitest";
import { handlerEntry } from "../../lib/infra/bundling.ts";
import { EvidenceFunction, mergeEnvironment } from "../../lib/infra/evidence-function.ts";
import { cdkJsonContext } from "./synth.ts";

describe("mergeEnvironment", () => {
  it("keeps the defaults when the caller adds its own variables", () => {
    expect(mergeEnvironment("evidence-test", { EVENT_TABLE: "events" })).toEqual({
      NODE_OPTIONS: "--enable-source-maps",
      POWERTOOLS_METRICS_NAMESPACE: "EvidencePlane",
      POWERTOOLS_LOG_LEVEL: "INFO",
      POWERTOOLS_LOGGER_LOG_EVENT: "false",
      POWERTOOLS_SERVICE_NAME: "evidence-test",
      EVENT_TABLE: "events",
    });
  });

  it("lets the caller win on a shared key", () => {
    expect(mergeEnvironment("evidence-test", { POWERTOOLS_LOG_LEVEL: "DEBUG" })).toMatchObject({
      POWERTOOLS_LOG_LEVEL: "DEBUG",
      POWERTOOLS_SERVICE_NAME: "evidence-test",
    });
  });

  it("keeps source maps on when the caller sets NODE_OPTIONS", () => {
    expect(mergeEnvironment("s", { NODE_OPTIONS: "--max-old-space-size=256" }).NODE_OPTIONS).toBe(
      "--enable-source-maps --max-old-space-size=256",
    );
    expect(mergeEnvironment("s", { NODE_OPTIONS: "--enable-source-maps" }).NODE_OPTIONS).toBe(
      "--enable-source-maps",
    );
  });
});

describe("EvidenceFunction", () => {
  const app = new App({ context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [] } });
  const stack = new Stack(app, "Test", { env: { account: "111111111111", region: "eu-west-1" } });
  const dataKey = new kms.Key(stack, "Key");
  new EvidenceFunction(stack, "Archive", {
    entry: handlerEntry("archive"),
    description: "test",
    serviceName: "evidence-test",
    timeout: Duration.seconds(20),
    memorySize: 256,
    dataKey,
    reservedConcurrentExecutions: 2,
    environment: { EXTRA: "1" },
  });
  const template = Template.fromStack(stack);

  it("applies the plane's defaults to the function", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      Timeout: 20,
      MemorySize: 256,
      ReservedConcurrentExecutions: 2,
      TracingConfig: { Mode: "Active" },
      LoggingConfig: Match.objectLike({ LogFormat: "JSON", ApplicationLogLevel: "INFO" }),
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({ EXTRA: "1", NODE_OPTIONS: "--enable-source-maps" }),
      },
    });
  });

  it("writes to its own encrypted, retained log group and an encrypted DLQ", () => {
    template.hasResource("AWS::Logs::LogGroup", {
      Properties: { KmsKeyId: Match.anyValue(), RetentionInDays: 365 },
      DeletionPolicy: "Retain",
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it("starts its role with its log group, its encrypted DLQ and tracing only, no managed policy", () => {
    const roles = Object.values(template.findResources("AWS::IAM::Role"));

    expect(roles).toHaveLength(1);
    expect(roles[0]?.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>,
    );
    expect(
      statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort(),
    ).toEqual([
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "sqs:SendMessage",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]);
  });
});
