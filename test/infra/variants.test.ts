import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config/index.ts";
import { addEvidencePlane } from "../../lib/infra/app.ts";
import { ReplicaStack } from "../../lib/infra/replica-stack.ts";
import {
  cdkJsonContext,
  EXAMPLE_CONFIG,
  resourcesOf,
  type Synthesized,
  synthesize,
} from "./synth.ts";

describe("GOVERNANCE mode without a replica", () => {
  let plane: Synthesized;

  beforeAll(() => {
    plane = synthesize({ objectLockMode: "GOVERNANCE", replicaRegion: undefined });
  });

  it("locks every evidence bucket in GOVERNANCE mode", () => {
    const modes = Object.values(resourcesOf(plane.evidence, "AWS::S3::Bucket"))
      .filter((bucket) => bucket.Properties.ObjectLockEnabled === true)
      .map(
        (bucket) =>
          (
            bucket.Properties.ObjectLockConfiguration as {
              Rule: { DefaultRetention: { Mode: string } };
            }
          ).Rule.DefaultRetention.Mode,
      );

    expect(modes).toEqual(["GOVERNANCE", "GOVERNANCE", "GOVERNANCE"]);
  });

  it("warns at synthesis, naming the risk and the default", () => {
    const messages = plane.assembly.getStackByName(plane.stacks.evidence.stackName).messages;
    const warnings = messages
      .filter((message) => message.level === "warning")
      .map((m) => String(m.entry.data));

    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Object Lock mode is GOVERNANCE: .* Use COMPLIANCE \(the default\)/),
      ]),
    );
  });

  it("has no replica stack and replicates nothing", () => {
    expect(plane.stacks.replica).toBeUndefined();
    for (const bucket of Object.values(resourcesOf(plane.evidence, "AWS::S3::Bucket"))) {
      expect(bucket.Properties.ReplicationConfiguration).toBeUndefined();
    }
  });
});

describe("the default COMPLIANCE mode", () => {
  it("adds no GOVERNANCE warning", () => {
    const app = new App({ context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [] } });
    const { evidence } = addEvidencePlane(app, parseConfig(EXAMPLE_CONFIG));
    const warnings = evidence.node.metadata.filter((entry) =>
      String(entry.data).includes("GOVERNANCE"),
    );

    expect(warnings).toEqual([]);
  });
});

describe("replica stack", () => {
  const config = parseConfig(EXAMPLE_CONFIG);
  let template: Template;
  let stack: ReplicaStack;

  beforeAll(() => {
    const app = new App({ context: cdkJsonContext() });
    stack = new ReplicaStack(app, "Replica", {
      config,
      replicaRegion: "eu-central-1",
      env: { account: "111111111111", region: "eu-central-1" },
    });
    template = Template.fromStack(stack);
  });

  it("holds Object Lock replicas under the names the evidence stack replicates to", () => {
    const replicas = Object.values(resourcesOf(template, "AWS::S3::Bucket")).filter(
      (bucket) => bucket.Properties.ObjectLockEnabled === true,
    );

    expect(
      replicas.map((bucket) => [
        bucket.Properties.BucketName,
        (bucket.Properties.ObjectLockConfiguration as { Rule: unknown }).Rule,
      ]),
    ).toEqual([
      [
        "evidence-plane-evidence-111111111111-eu-central-1",
        { DefaultRetention: { Mode: "COMPLIANCE", Days: config.retention.release.days } },
      ],
      [
        "evidence-plane-packs-111111111111-eu-central-1",
        { DefaultRetention: { Mode: "COMPLIANCE", Days: config.retention.governance.days } },
      ],
    ]);
  });

  it("encrypts replicas with its own rotated key under the alias replication names", () => {
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    template.hasResourceProperties("AWS::KMS::Alias", {
      AliasName: "alias/evidence-plane-replica-data",
    });
  });

  it("is deployed before the evidence stack", () => {
    const app = new App({ context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [] } });
    const stacks = addEvidencePlane(app, config);

    expect(stacks.replica).toBeDefined();
    expect(stacks.evidence.dependencies).toContain(stacks.replica);
  });
});
