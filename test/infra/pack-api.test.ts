import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { PACK_API_ROUTES } from "../../lib/infra/pack-api.ts";
import {
  actionsOf,
  everyHandler,
  resourcesOf,
  type Synthesized,
  statementsOf,
  synthesize,
  type TemplateStatement,
} from "./synth.ts";

let plane: Synthesized;
let template: Template;

beforeAll(() => {
  plane = synthesize({}, { handlerEntries: everyHandler() });
  template = plane.evidence;
});

function signingKeyPolicy(): TemplateStatement[] {
  const [key] = Object.values(resourcesOf(template, "AWS::KMS::Key")).filter(
    (resource) => resource.Properties.KeySpec === "ECC_NIST_P256",
  );
  return statementsOf(key?.Properties.KeyPolicy);
}

describe("pack API", () => {
  it("serves exactly the five routes, each with IAM authorization", () => {
    const methods = Object.values(resourcesOf(template, "AWS::ApiGateway::Method")).filter(
      (method) => method.Properties.HttpMethod !== "OPTIONS",
    );

    expect(methods).toHaveLength(PACK_API_ROUTES.length);
    for (const method of methods) {
      expect(method.Properties.AuthorizationType).toBe("AWS_IAM");
      expect(method.Properties.RequestValidatorId).toBeDefined();
    }
  });

  it("validates request bodies against JSON Schema models", () => {
    template.hasResourceProperties("AWS::ApiGateway::RequestValidator", {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    for (const name of ["PackRequest", "LegalHoldRequest", "LegalHoldRelease"]) {
      template.hasResourceProperties("AWS::ApiGateway::Model", {
        Name: name,
        ContentType: "application/json",
        Schema: Match.objectLike({
          $schema: "http://json-schema.org/draft-04/schema#",
          type: "object",
        }),
      });
    }
    template.hasResourceProperties("AWS::ApiGateway::Method", {
      HttpMethod: "POST",
      RequestModels: { "application/json": Match.anyValue() },
    });
  });

  it("logs access and execution, traces, throttles, and sits behind a WAF web ACL", () => {
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "v1",
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [
        Match.objectLike({
          LoggingLevel: "INFO",
          DataTraceEnabled: false,
          MetricsEnabled: true,
          ThrottlingRateLimit: 20,
          ThrottlingBurstLimit: 40,
        }),
      ],
    });
    template.hasResourceProperties("AWS::ApiGateway::Account", {
      CloudWatchRoleArn: Match.anyValue(),
    });
    template.hasResourceProperties("AWS::WAFv2::WebACLAssociation", {
      ResourceArn: Match.anyValue(),
    });
    template.hasResourceProperties("AWS::WAFv2::LoggingConfiguration", {
      LogDestinationConfigs: [
        "arn:aws:logs:eu-west-1:111111111111:log-group:aws-waf-logs-evidence-plane-evidence-pack-api",
      ],
    });
  });

  it("lets only the auditor role (and security principals) invoke it", () => {
    template.hasResourceProperties("AWS::ApiGateway::RestApi", {
      Policy: {
        Statement: [
          Match.objectLike({
            Sid: "AuditorsInvoke",
            Effect: "Allow",
            Action: "execute-api:Invoke",
          }),
          Match.objectLike({
            Sid: "NobodyElseInvokes",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Condition: {
              ArnNotEquals: {
                "aws:PrincipalArn": [
                  { "Fn::GetAtt": [Match.stringLikeRegexp("^PackApiAuditorRole"), "Arn"] },
                  ...plane.config.securityPrincipals,
                ],
              },
            },
          }),
        ],
      },
    });
  });
});

describe("auditor role", () => {
  it("is assumed by the configured auditor principals for at most an hour", () => {
    template.hasResourceProperties("AWS::IAM::Role", {
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: "sts:AssumeRole",
            Principal: { AWS: plane.config.auditorPrincipals[0] },
          }),
        ],
      },
    });
  });

  it("may invoke the five routes and read the public key and verify, nothing else", () => {
    const [policy] = Object.entries(resourcesOf(template, "AWS::IAM::Policy")).filter(([id]) =>
      id.startsWith("PackApiAuditorRole"),
    );
    const statements = statementsOf(policy?.[1].Properties.PolicyDocument);

    expect(statements.flatMap(actionsOf)).toEqual(["execute-api:Invoke"]);
    expect(statements[0]?.Resource).toHaveLength(PACK_API_ROUTES.length);
    expect(signingKeyPolicy()).toContainEqual(
      expect.objectContaining({
        Sid: "VerifiersReadPublicKeyAndVerify",
        Action: ["kms:DescribeKey", "kms:GetPublicKey", "kms:Verify"],
        Principal: { AWS: { "Fn::GetAtt": [expect.stringMatching(/^PackApiAuditorRole/), "Arn"] } },
      }),
    );
  });
});

describe("manifest signer", () => {
  it("is the assembler: the key policy lets it and the ingest sign, and denies everyone else", () => {
    const signers = [
      { "Fn::GetAtt": [expect.stringMatching(/^IngestRole/), "Arn"] },
      { "Fn::GetAtt": [expect.stringMatching(/^PackApiAssemblerRole/), "Arn"] },
    ];

    expect(signingKeyPolicy()).toContainEqual(
      expect.objectContaining({ Sid: "SigningRolesSign", Principal: { AWS: signers } }),
    );
    expect(signingKeyPolicy()).toContainEqual(
      expect.objectContaining({
        Sid: "NobodyElseSigns",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": signers } },
      }),
    );
  });

  it("alarms on a Sign call by any other principal", () => {
    const pattern = Object.values(resourcesOf(template, "AWS::Logs::MetricFilter"))
      .map((filter) => JSON.stringify(filter.Properties.FilterPattern))
      .find((text) => text.includes("sessionIssuer.arn !="));

    expect(pattern).toMatch(/IngestRole.*PackApiAssemblerRole/);
  });
});

describe("pack functions", () => {
  it("record evidence through the bus, never the event table, and update only pack-job status", () => {
    for (const prefix of ["PackApiHandlerRole", "PackApiAssemblerRole"]) {
      const statements = Object.entries(resourcesOf(template, "AWS::IAM::Policy"))
        .filter(([id]) => id.startsWith(prefix))
        .flatMap(([, policy]) => statementsOf(policy.Properties.PolicyDocument));
      const writes = statements.filter((s) =>
        actionsOf(s).some((a) => /^dynamodb:(PutItem|UpdateItem)$/.test(a)),
      );

      expect(writes).toHaveLength(1);
      expect(writes[0]?.Resource).toEqual({
        "Fn::GetAtt": [expect.stringMatching(/^TablesPackJobs/), "Arn"],
      });
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: "events:PutEvents",
          Resource: { "Fn::GetAtt": [expect.stringMatching(/^IngestBus/), "Arn"] },
          Condition: { StringLike: { "events:source": "evidence.*" } },
        }),
      );
    }
  });

  it("leave legal holds to the API handler alone", () => {
    const holds = Object.values(resourcesOf(template, "AWS::S3::BucketPolicy")).flatMap((policy) =>
      statementsOf(policy.Properties.PolicyDocument).filter(
        (s) => s.Sid === "LegalHoldsOnlyThroughTheApi",
      ),
    );

    expect(holds).toHaveLength(2);
    for (const hold of holds) {
      expect(hold.Condition).toEqual({
        ArnNotEquals: {
          "aws:PrincipalArn": [
            { "Fn::GetAtt": [expect.stringMatching(/^PackApiHandlerRole/), "Arn"] },
          ],
        },
      });
    }
  });

  it("assemble from an encrypted queue with a DLQ, one request at a time", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 15 * 60 * 6,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
    });
  });
});
