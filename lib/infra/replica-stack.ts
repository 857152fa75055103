import { Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type { Construct } from "constructs";
import type { EvidencePlaneConfig } from "../config/config.ts";
import { KEY_ADMIN_ACTIONS } from "./keys.ts";
import { accessLogsBucket, LockedBucket } from "./storage.ts";

/** The buckets the evidence stack replicates, by the name part each replica carries. */
export const REPLICATED_BUCKETS = ["evidence", "packs"] as const;
export type ReplicatedBucket = (typeof REPLICATED_BUCKETS)[number];

/**
 * Physical names of the replica side. Replication configuration needs them before the replica
 * stack's outputs could be read across regions, so they are derived from the configuration.
 */
export function replicaNames(config: EvidencePlaneConfig, replicaRegion: string) {
  const bucket = (kind: ReplicatedBucket) =>
    `${config.namePrefix}-${kind}-${config.evidenceAccount}-${replicaRegion}`;
  const keyAlias = `alias/${config.namePrefix}-replica-data`;
  return {
    bucket,
    keyAlias,
    keyAliasArn: `arn:aws:kms:${replicaRegion}:${config.evidenceAccount}:${keyAlias}`,
  };
}

export interface ReplicaStackProps extends StackProps {
  readonly config: EvidencePlaneConfig;
  readonly replicaRegion: string;
}

/**
 * The replica region of the evidence account: Object Lock buckets (same mode and default
 * retention as their sources) that receive every version of the evidence and packs buckets,
 * with their own data key and access-logs bucket. Deploy it before the evidence stack.
 */
export class ReplicaStack extends Stack {
  readonly buckets: Record<ReplicatedBucket, LockedBucket>;

  constructor(scope: Construct, id: string, props: ReplicaStackProps) {
    super(scope, id, props);
    const { config, replicaRegion } = props;
    const names = replicaNames(config, replicaRegion);
    const account = new iam.AccountRootPrincipal();

    const dataKey = new kms.Key(this, "ReplicaData", {
      description: "Encrypts the evidence replicas",
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: "AccountAdministersAndDelegatesUseToIam",
            principals: [account],
            actions: [
              ...KEY_ADMIN_ACTIONS,
              "kms:Encrypt",
              "kms:Decrypt",
              "kms:ReEncrypt*",
              "kms:GenerateDataKey*",
              "kms:EnableKeyRotation",
              "kms:DisableKeyRotation",
            ],
            resources: ["*"],
          }),
          new iam.PolicyStatement({
            sid: "SecurityPrincipalsAdminister",
            principals: config.securityPrincipals.map((arn) => new iam.ArnPrincipal(arn)),
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ["*"],
          }),
        ],
      }),
    });
    dataKey.addAlias(names.keyAlias);

    const logs = accessLogsBucket(this, "AccessLogs", config.retention["key-usage"].days);
    const retentionFor: Record<ReplicatedBucket, number> = {
      evidence: config.retention.release.days,
      packs: config.retention.governance.days,
    };
    const buckets = {} as Record<ReplicatedBucket, LockedBucket>;
    for (const kind of REPLICATED_BUCKETS) {
      buckets[kind] = new LockedBucket(this, `${kind}Replica`, {
        bucketName: names.bucket(kind),
        dataKey,
        accessLogs: { bucket: logs, prefix: `${kind}/` },
        mode: config.objectLockMode,
        retentionDays: retentionFor[kind],
        pinEncryptionKey: false,
        noReplicaReason:
          "This bucket is the cross-region replica; replicating the replica would add a third copy with no further protection.",
      });
    }
    this.buckets = buckets;
  }
}
