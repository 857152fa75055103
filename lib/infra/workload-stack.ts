import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import type { EvidencePlaneConfig } from "../config/config.ts";
import { EVIDENCE_SOURCE_PREFIX } from "../config/layout.ts";
import { acknowledgeInlinePolicies } from "./acknowledgements.ts";

/** GitHub Actions' OIDC issuer. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

export interface WorkloadStackProps extends StackProps {
  readonly config: EvidencePlaneConfig;
  /** ARN of the evidence bus (deterministic: the bus name is fixed by the evidence stack). */
  readonly evidenceBusArn: string;
}

/**
 * The light stack in each delivery account: one role that pipelines assume (GitHub Actions
 * through OIDC, and/or the account's own principals such as CodeBuild roles), allowed nothing
 * but events:PutEvents on the evidence bus, and only for `evidence.*` sources.
 */
export class WorkloadStack extends Stack {
  readonly pipelineRole: iam.Role;

  constructor(scope: Construct, id: string, props: WorkloadStackProps) {
    super(scope, id, props);
    const { config } = props;
    const trust: iam.IPrincipal[] = [];

    const oidc = config.workloads.githubOidc;
    if (oidc) {
      const provider =
        oidc.provider === "create"
          ? new iam.OidcProviderNative(this, "GithubOidc", {
              url: `https://${GITHUB_OIDC_HOST}`,
              clientIds: ["sts.amazonaws.com"],
            })
          : iam.OidcProviderNative.fromOidcProviderArn(
              this,
              "GithubOidc",
              `arn:${this.partition}:iam::${this.account}:oidc-provider/${GITHUB_OIDC_HOST}`,
            );
      trust.push(
        new iam.WebIdentityPrincipal(provider.oidcProviderArn, {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com" },
          StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: [...oidc.subjects] },
        }),
      );
    }
    if (config.workloads.trustAccountPrincipals) {
      trust.push(new iam.AccountRootPrincipal());
    }

    this.pipelineRole = new iam.Role(this, "PipelineRole", {
      description: "Pipelines put evidence events on the evidence bus, and do nothing else",
      assumedBy: new iam.CompositePrincipal(...trust),
      maxSessionDuration: Duration.hours(1),
    });
    acknowledgeInlinePolicies(this);
    this.pipelineRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "PutEvidenceOnly",
        actions: ["events:PutEvents"],
        resources: [props.evidenceBusArn],
        conditions: { StringLike: { "events:source": `${EVIDENCE_SOURCE_PREFIX}*` } },
      }),
    );

    new CfnOutput(this, "EvidenceBusArn", {
      value: props.evidenceBusArn,
      description: "Pass to `evidence emit --bus` or set EVIDENCE_BUS_ARN",
    });
    new CfnOutput(this, "PipelineRoleArn", {
      value: this.pipelineRole.roleArn,
      description:
        "Assume this role in CI (role-to-assume for aws-actions/configure-aws-credentials)",
    });
  }
}
