#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy <stack>`. The configuration comes from the
 * file named by context `evidencePlane:configFile` (cdk.json points it at the worked example).
 */
import { App } from "aws-cdk-lib";
import { ConfigError, configFromContext } from "../lib/config/index.ts";
import { addEvidencePlane } from "../lib/infra/app.ts";
import { applyNagPacks } from "../lib/infra/nag.ts";

const app = new App();
try {
  const config = configFromContext((key) => app.node.tryGetContext(key));
  addEvidencePlane(app, config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`evidence-plane: ${error.message}\n`);
  process.exit(1);
}
applyNagPacks(app);
app.synth();
