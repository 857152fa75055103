import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { ObjectLockMode } from "../config/config.ts";
import { inEveryCompliancePack } from "./acknowledgements.ts";
import { grantDataKey } from "./keys.ts";

/**
 * Actions that would shorten, bypass or erase Object Lock protection, or quietly schedule
 * evidence for expiry. Every evidence bucket denies them to every principal.
 */
export const LOCKED_BUCKET_DENIED_ACTIONS = [
  "s3:BypassGovernanceRetention",
  "s3:PutBucketObjectLockConfiguration",
  "s3:DeleteObjectVersion",
  "s3:PutLifecycleConfiguration",
] as const;

/** Where S3 server access logs of a bucket go. */
export interface AccessLogTarget {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
}

/**
 * The bucket that receives S3 server access logs. It cannot use Object Lock default retention
 * (S3 does not deliver access logs there) nor SSE-KMS (S3 log delivery supports only SSE-S3), so
 * it is protected by versioning, a policy that denies every delete, and a lifecycle that keeps
 * logs for `retentionDays`.
 */
export function accessLogsBucket(scope: Construct, id: string, retentionDays: number): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        id: "keep-access-logs",
        expiration: Duration.days(retentionDays),
        noncurrentVersionExpiration: Duration.days(retentionDays),
      },
    ],
  });
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "AccessLogsAreNotDeletedByHand",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration"],
      resources: [bucket.bucketArn, bucket.arnForObjects("*")],
    }),
  );
  Validations.of(bucket).acknowledge(
    ...inEveryCompliancePack(
      "S3DefaultEncryptionKMS",
      "S3 server access log delivery supports only SSE-S3 on the target bucket; SSE-KMS would drop the logs.",
    ),
    ...replicationNotNeeded(
      "Access logs are operational logs kept one retention period; evidence itself is replicated when replicaRegion is configured.",
    ),
  );
  return bucket;
}

/** Cross-region replication of a locked bucket into an Object Lock replica. */
export interface ReplicaTarget {
  readonly bucketName: string;
  readonly region: string;
  readonly account: string;
  /** Alias ARN of the replica region's data key. */
  readonly keyAliasArn: string;
  readonly role: iam.IRole;
}

export interface LockedBucketProps {
  /**
   * Physical name, only where another stack must know it in advance (replicas).
   * @default - generated
   */
  readonly bucketName?: string;
  readonly dataKey: kms.IKey;
  readonly accessLogs: AccessLogTarget;
  readonly mode: ObjectLockMode;
  /** Default retention of objects written without their own retain-until date. */
  readonly retentionDays: number;
  /** Replicate every object version (with its lock) to this bucket. */
  readonly replica?: ReplicaTarget;
  /** Why this bucket is not replicated, when `replica` is absent (cdk-nag acknowledgement). */
  readonly noReplicaReason?: string;
  /**
   * Deny writes that name another KMS key. Off where a service names the key its own way
   * (replication writes with the replica key's alias, CloudTrail with the trail's key).
   * @default true
   */
  readonly pinEncryptionKey?: boolean;
}

/**
 * A bucket for evidence: Object Lock with a default retention, versioning, SSE-KMS with the data
 * key and a bucket key, all public access blocked, TLS 1.2+ only, access logs to the logs bucket,
 * RETAIN, and a policy that denies bypassing or changing the lock, deleting versions, and
 * lifecycle changes, to every principal. No lifecycle rule expires anything.
 */
export class LockedBucket extends Construct {
  readonly bucket: s3.Bucket;
  private readonly dataKey: kms.IKey;

  constructor(scope: Construct, id: string, props: LockedBucketProps) {
    super(scope, id);
    this.dataKey = props.dataKey;
    const retention = Duration.days(props.retentionDays);
    this.bucket = new s3.Bucket(this, "Bucket", {
      ...(props.bucketName ? { bucketName: props.bucketName } : {}),
      objectLockEnabled: true,
      objectLockDefaultRetention:
        props.mode === "COMPLIANCE"
          ? s3.ObjectLockRetention.compliance(retention)
          : s3.ObjectLockRetention.governance(retention),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.accessLogs.bucket,
      serverAccessLogsPrefix: props.accessLogs.prefix,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "EvidenceCannotBeUnlockedOrErased",
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...LOCKED_BUCKET_DENIED_ACTIONS],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects("*")],
      }),
    );
    if (props.pinEncryptionKey ?? true) this.pinEncryptionKey(props.dataKey);

    if (props.replica) {
      this.replicate(props.replica);
    } else {
      Validations.of(this).acknowledge(
        ...replicationNotNeeded(
          props.noReplicaReason ??
            "Cross-region replication is off because no replicaRegion is configured; Object Lock, versioning and the deny policy protect the only copy.",
        ),
      );
    }
  }

  private pinEncryptionKey(dataKey: kms.IKey): void {
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "OnlyTheDataKeyEncrypts",
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ["s3:PutObject"],
        resources: [this.bucket.arnForObjects("*")],
        conditions: {
          StringNotEqualsIfExists: {
            "s3:x-amz-server-side-encryption-aws-kms-key-id": dataKey.keyArn,
          },
        },
      }),
    );
  }

  /**
   * Denies changes to legal holds to everyone but `roles` (the pack API records each hold as
   * evidence; a hold placed or lifted elsewhere would leave no record).
   */
  restrictLegalHolds(roles: readonly iam.IRole[]): void {
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "LegalHoldsOnlyThroughTheApi",
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ["s3:PutObjectLegalHold"],
        resources: [this.bucket.arnForObjects("*")],
        ...(roles.length > 0
          ? { conditions: { ArnNotEquals: { "aws:PrincipalArn": roles.map((r) => r.roleArn) } } }
          : {}),
      }),
    );
  }

  /**
   * Lets `grantee` write new objects (and their retention) under `prefix`, in one part or many
   * (abandoning an unfinished multipart upload removes no object); never delete.
   */
  grantWrite(grantee: iam.IGrantable, prefix = "*"): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObject", "s3:PutObjectRetention", "s3:AbortMultipartUpload"],
        resources: [this.bucket.arnForObjects(prefix)],
      }),
    );
    grantDataKey(this.dataKey, grantee, "write");
    this.acknowledgeObjectWildcard(grantee, prefix);
  }

  /** Lets `grantee` read objects, their versions, retention and legal hold under `prefix`. */
  grantRead(grantee: iam.IGrantable, prefix = "*"): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "s3:GetObject",
          "s3:GetObjectVersion",
          "s3:GetObjectRetention",
          "s3:GetObjectLegalHold",
          "s3:GetObjectAttributes",
          "s3:GetObjectVersionAttributes",
        ],
        resources: [this.bucket.arnForObjects(prefix)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket", "s3:ListBucketVersions"],
        resources: [this.bucket.bucketArn],
      }),
    );
    grantDataKey(this.dataKey, grantee, "read");
    this.acknowledgeObjectWildcard(grantee, prefix);
  }

  /** Lets `grantee` place and lift legal holds (see {@link LockedBucket.restrictLegalHolds}). */
  grantLegalHold(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObjectLegalHold", "s3:GetObjectLegalHold"],
        resources: [this.bucket.arnForObjects("*")],
      }),
    );
    this.acknowledgeObjectWildcard(grantee, "*");
  }

  /**
   * Object keys are chosen at run time, so object permissions name a key prefix and `*`; the
   * acknowledgement names this bucket and prefix exactly, so any other wildcard still fails.
   */
  private acknowledgeObjectWildcard(grantee: iam.IGrantable, prefix: string): void {
    const cfn = this.bucket.node.defaultChild as s3.CfnBucket;
    const logicalId = Stack.of(this).getLogicalId(cfn);
    const target = grantee.grantPrincipal;
    if (!(target instanceof Construct)) return;
    Validations.of(target).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}]`,
      reason: `Objects under ${prefix === "*" ? "this bucket" : `the ${prefix} prefix`} are keyed at run time (by stream and seq, or by pack id); S3 names objects no more narrowly than a key prefix.`,
    });
  }

  private replicate(replica: ReplicaTarget): void {
    const destinationArn = `arn:aws:s3:::${replica.bucketName}`;
    const cfn = this.bucket.node.defaultChild as s3.CfnBucket;
    cfn.replicationConfiguration = {
      role: replica.role.roleArn,
      rules: [
        {
          id: "replicate-every-version",
          status: "Enabled",
          priority: 1,
          filter: { prefix: "" },
          deleteMarkerReplication: { status: "Disabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: destinationArn,
            account: replica.account,
            encryptionConfiguration: { replicaKmsKeyId: replica.keyAliasArn },
          },
        },
      ],
    };
    replica.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
        resources: [this.bucket.bucketArn],
      }),
    );
    replica.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "s3:GetObjectVersionForReplication",
          "s3:GetObjectVersionAcl",
          "s3:GetObjectVersionTagging",
          "s3:GetObjectRetention",
          "s3:GetObjectLegalHold",
        ],
        resources: [this.bucket.arnForObjects("*")],
      }),
    );
    replica.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ReplicateObject", "s3:ReplicateTags"],
        resources: [`${destinationArn}/*`],
      }),
    );
    grantDataKey(this.dataKey, replica.role, "read");
    this.acknowledgeObjectWildcard(replica.role, "*");
    Validations.of(replica.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${destinationArn}/*]`,
      reason:
        "Replication writes every object version into the replica bucket, whatever its key; the statement names that bucket only.",
    });
  }
}

/** Acknowledgements of the replication rule of the three compliance packs, with one reason. */
function replicationNotNeeded(reason: string) {
  return inEveryCompliancePack("S3BucketReplicationEnabled", reason);
}
