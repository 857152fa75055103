import { App, type AppProps } from "aws-cdk-lib";
import type { EvidencePlaneConfig } from "../config/config.ts";
import type { HandlerEntries } from "./bundling.ts";
import { EvidenceStack } from "./evidence-stack.ts";
import { evidenceBusArn } from "./ingest.ts";
import { applyNagPacks } from "./nag.ts";
import { ReplicaStack } from "./replica-stack.ts";
import { WorkloadStack } from "./workload-stack.ts";

/** The stacks of one evidence plane. */
export interface EvidencePlaneStacks {
  readonly evidence: EvidenceStack;
  readonly replica?: ReplicaStack;
  readonly workloads: readonly WorkloadStack[];
}

/** Stack names: `<prefix>-evidence`, `<prefix>-replica`, `<prefix>-workload-<account>`. */
export function stackNames(config: EvidencePlaneConfig) {
  return {
    evidence: `${config.namePrefix}-evidence`,
    replica: `${config.namePrefix}-replica`,
    workload: (account: string) => `${config.namePrefix}-workload-${account}`,
  };
}

/**
 * Adds the plane's stacks to `app`, every one with an explicit account and region (so synthesis
 * needs no credentials and no lookups): the replica (when configured, deployed first), the
 * evidence stack, and one workload stack per producer account.
 */
export function addEvidencePlane(
  app: App,
  config: EvidencePlaneConfig,
  options: { handlerEntries?: Partial<HandlerEntries> } = {},
): EvidencePlaneStacks {
  const names = stackNames(config);
  const replica = config.replicaRegion
    ? new ReplicaStack(app, names.replica, {
        config,
        replicaRegion: config.replicaRegion,
        env: { account: config.evidenceAccount, region: config.replicaRegion },
        description: "Evidence plane: Object Lock replicas in the replica region",
      })
    : undefined;
  const evidence = new EvidenceStack(app, names.evidence, {
    config,
    ...(options.handlerEntries ? { handlerEntries: options.handlerEntries } : {}),
    env: { account: config.evidenceAccount, region: config.region },
    description: "Evidence plane: the evidence account (bus, signing key, ledger, archive, API)",
    terminationProtection: true,
  });
  if (replica) evidence.addStackDependency(replica, "replication needs the replica buckets");
  const workloads = config.producers.accounts.map(
    (account) =>
      new WorkloadStack(app, names.workload(account), {
        config,
        evidenceBusArn: evidenceBusArn(config),
        env: { account, region: config.workloads.region },
        description: "Evidence plane: the pipeline role of one delivery account",
      }),
  );
  return { evidence, ...(replica ? { replica } : {}), workloads };
}

/** A CDK app with the plane and the five cdk-nag packs. */
export function evidencePlaneApp(config: EvidencePlaneConfig, props?: AppProps) {
  const app = new App(props);
  const stacks = addEvidencePlane(app, config);
  const packs = applyNagPacks(app);
  return { app, stacks, packs };
}
