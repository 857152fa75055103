import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { nagPacks } from "../../lib/infra/nag.ts";
import { everyHandler, type Synthesized, synthesize } from "./synth.ts";

let plane: Synthesized;

beforeAll(() => {
  // The real thing: every Lambda bundled with esbuild, as `npx cdk synth` does.
  plane = synthesize({}, { bundle: true, nag: true, handlerEntries: everyHandler() });
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

  it("acknowledges nothing that would not be found: every acknowledgement silences a finding", () => {
    const raw = nagPacks(plane.app).flatMap((pack) => {
      // Run the pack as if nothing were acknowledged.
      (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
      return pack.validateScope(plane.app).violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => ({
          id: violation.ruleName,
          path: resource.constructPath ?? "",
        })),
      );
    });
    const stale = allConstructs(plane.app).flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
        .map((key) => ({ id: key.replace(/^annotation::/i, ""), path: construct.node.path }))
        .filter(
          ({ id, path }) =>
            !raw.some((finding) => finding.id === id && `${finding.path}/`.startsWith(`${path}/`)),
        ),
    );

    expect(stale).toEqual([]);
  });
});
