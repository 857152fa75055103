import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config/index.ts";
import { addEvidencePlane } from "../../lib/infra/app.ts";
import { evidenceBusArn } from "../../lib/infra/ingest.ts";
import { WorkloadStack } from "../../lib/infra/workload-stack.ts";
import { cdkJsonContext, EXAMPLE_CONFIG } from "./synth.ts";

function workloadTemplate(workloads: Record<string, unknown>): Template {
  const config = parseConfig({ ...EXAMPLE_CONFIG, workloads });
  const app = new App({ context: cdkJsonContext() });
  const stack = new WorkloadStack(app, "Workload", {
    config,
    evidenceBusArn: evidenceBusArn(config),
    env: { account: "222222222222", region: "eu-west-1" },
  });
  return Template.fromStack(stack);
}

const BUS_ARN = "arn:aws:events:eu-west-1:111111111111:event-bus/evidence-plane-evidence";
const SUBJECT = "repo:example-bank/payments-api:ref:refs/heads/main";

describe("workload stack", () => {
  it("lets pipelines put evidence.* events on the evidence bus and do nothing else", () => {
    const template = workloadTemplate({ githubOidc: { subjects: [SUBJECT] } });

    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [
          {
            Sid: "PutEvidenceOnly",
            Effect: "Allow",
            Action: "events:PutEvents",
            Resource: BUS_ARN,
            Condition: { StringLike: { "events:source": "evidence.*" } },
          },
        ],
        Version: "2012-10-17",
      },
    });
    template.resourceCountIs("AWS::IAM::Policy", 1);
    template.hasOutput("EvidenceBusArn", { Value: BUS_ARN });
    template.hasOutput("PipelineRoleArn", {});
  });

  it("trusts GitHub Actions through a new OIDC provider, for the configured subjects only", () => {
    const template = workloadTemplate({ githubOidc: { subjects: [SUBJECT] } });

    template.hasResourceProperties("AWS::IAM::OIDCProvider", {
      Url: "https://token.actions.githubusercontent.com",
      ClientIdList: ["sts.amazonaws.com"],
    });
    template.hasResourceProperties("AWS::IAM::Role", {
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: "sts:AssumeRoleWithWebIdentity",
            Effect: "Allow",
            Principal: { Federated: { Ref: Match.stringLikeRegexp("^GithubOidc") } },
            Condition: {
              StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
              StringLike: { "token.actions.githubusercontent.com:sub": [SUBJECT] },
            },
          },
        ],
        Version: "2012-10-17",
      },
    });
  });

  it("imports the account's existing GitHub provider when asked", () => {
    const template = workloadTemplate({ githubOidc: { provider: "import", subjects: [SUBJECT] } });

    template.resourceCountIs("AWS::IAM::OIDCProvider", 0);
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: {
              Federated:
                "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
            },
          }),
        ],
      },
    });
  });

  it("trusts the workload account's own principals when no OIDC is configured", () => {
    const template = workloadTemplate({});

    template.resourceCountIs("AWS::IAM::OIDCProvider", 0);
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: "sts:AssumeRole",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::222222222222:root" },
          },
        ],
      },
    });
  });

  it("is part of the plane once per producer account, in the workload region", () => {
    const app = new App({ context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [] } });
    const stacks = addEvidencePlane(app, parseConfig(EXAMPLE_CONFIG));

    expect(stacks.workloads.map((stack) => [stack.account, stack.region])).toEqual([
      ["222222222222", "eu-west-1"],
      ["333333333333", "eu-west-1"],
    ]);
  });
});
