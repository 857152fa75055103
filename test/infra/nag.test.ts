import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { nagPacks } from "../../lib/infra/nag.ts";
import { type Synthesized, synthesize } from "./synth.ts";

let plane: Synthesized;

beforeAll(() => {
  // The real thing: every Lambda bundled with esbuild, as `npx cdk synth` does.
  plane = synthesize({}, { bundle: true, nag: true });
});

function allConstructs(root: IConstruct): IConstruct[] {
  return [root, ...root.node.children.flatMap(allConstructs)];
}

describe("cdk-nag", () => {
  it("lets the app synthesize: the packs, registered as the app registers them, fail nothing", () => {
    expect(process.exitCode ?? 0).toBe(0);
  });

  it("finds nothing unacknowledged in AwsSolutions, HIPAA, NIST 800-53 r5, PCI DSS 3.2.1 or Serverless", () => {
    const findings = nagPacks(plane.app).flatMap((pack) =>
      pack
        .validateScope(plane.app)
        .violations.flatMap((violation) =>
          violation.violatingResources.map(
            (resource) => `${violation.ruleName} ${resource.constructPath ?? ""}`,
          ),
        ),
    );

    expect(findings).toEqual([]);
  });

  it("checks all five packs", () => {
    expect(nagPacks(plane.app).map((pack) => pack.readPackName)).toEqual([
      "AwsSolutions",
      "HIPAA.Security",
      "NIST.800.53.R5",
      "PCI.DSS.321",
      "Serverless",
    ]);
  });

  it("gives every acknowledgement a reason a reviewer can act on", () => {
    const acknowledgements = allConstructs(plane.app).flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>)),
    );

    expect(acknowledgements.length).toBeGreaterThan(10);
    for (const [id, reason] of acknowledgements) {
      expect({ id, long: reason.length >= 60 }).toEqual({ id, long: true });
    }
  });

  it("writes acknowledgements into the templates beside the resources", () => {
    const withReasons = Object.values(
      plane.evidence.toJSON().Resources as Record<string, { Metadata?: { cdk_nag?: unknown } }>,
    ).filter((resource) => resource.Metadata?.cdk_nag !== undefined);

    expect(withReasons.length).toBeGreaterThan(0);
  });
});
