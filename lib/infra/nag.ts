import { type App, Validations } from "aws-cdk-lib";
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  type NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from "cdk-nag";

/** The five rule packs every synthesis of the plane is checked against. */
export function nagPacks(app: App): NagPack[] {
  // Acknowledgements stay in the code beside each resource: copying them into every template
  // resource (stack-wide ones repeat on each) would push the evidence template towards 1 MB.
  const props = { verbose: true };
  return [
    new AwsSolutionsChecks(app, props),
    new HIPAASecurityChecks(app, props),
    new NIST80053R5Checks(app, props),
    new PCIDSS321Checks(app, props),
    new ServerlessChecks(app, props),
  ];
}

/**
 * Registers the packs as validation plugins: `cdk synth` fails on any unacknowledged finding.
 */
export function applyNagPacks(app: App): NagPack[] {
  const packs = nagPacks(app);
  Validations.of(app).addPlugins(...packs);
  return packs;
}
