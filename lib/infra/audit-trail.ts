import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as cloudtrail from "aws-cdk-lib/aws-cloudtrail";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { EvidencePlaneConfig } from "../config/config.ts";
import { METRICS_NAMESPACE } from "../config/layout.ts";
import type { EvidenceKeys } from "./keys.ts";
import type { Monitoring } from "./monitoring.ts";
import { deadLetterQueue, WorkQueue } from "./queues.ts";
import { type AccessLogTarget, LockedBucket } from "./storage.ts";

/** The smallest CloudWatch Logs retention that keeps at least `days`. */
export function retentionAtLeast(days: number): logs.RetentionDays {
  const choices = Object.values(logs.RetentionDays)
    .filter((value): value is logs.RetentionDays => typeof value === "number" && value > 0)
    .sort((a, b) => a - b);
  return choices.find((choice) => choice >= days) ?? logs.RetentionDays.INFINITE;
}

/** CloudTrail's detail-type for API calls delivered to EventBridge. */
const API_CALL_DETAIL_TYPE = "AWS API Call via CloudTrail";

/**
 * Lets a rule match read-only management events too (GetPublicKey, Verify, Describe*), which a
 * plain ENABLED rule does not receive.
 */
const ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";

/** Calls that change the data key or who may use it: forwarded as key-usage evidence. */
export const DATA_KEY_ADMIN_CALLS = [
  "CancelKeyDeletion",
  "CreateAlias",
  "CreateGrant",
  "DeleteAlias",
  "DisableKey",
  "DisableKeyRotation",
  "EnableKey",
  "EnableKeyRotation",
  "PutKeyPolicy",
  "RetireGrant",
  "RevokeGrant",
  "RotateKeyOnDemand",
  "ScheduleKeyDeletion",
  "TagResource",
  "UntagResource",
  "UpdateAlias",
  "UpdateKeyDescription",
] as const;

export interface AuditTrailProps {
  readonly config: EvidencePlaneConfig;
  readonly keys: EvidenceKeys;
  readonly accessLogs: AccessLogTarget;
  /** Buckets whose object-level calls (reads and writes) are recorded. */
  readonly dataEventBuckets: readonly LockedBucket[];
  readonly evidenceBus: events.IEventBus;
  readonly monitoring: Monitoring;
}

/**
 * The evidence account's own audit trail and the watch on its keys.
 *
 * - A multi-region CloudTrail trail with log file validation, encrypted with the data key, into
 *   an Object Lock bucket, and into CloudWatch Logs where metric filters raise alarms on key
 *   administration (DisableKey, ScheduleKeyDeletion, PutKeyPolicy, CreateGrant) and on any Sign
 *   by a principal that is not a signing role.
 * - Every KMS call on the signing key, and every administrative call on the data key, forwarded
 *   from the default bus to the evidence bus and from there to the key-usage queue, where it
 *   becomes key-usage evidence.
 */
export class AuditTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly bucket: LockedBucket;
  readonly logGroup: logs.LogGroup;
  readonly keyUsage: WorkQueue;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { config, keys, monitoring } = props;
    const stack = Stack.of(this);

    this.bucket = new LockedBucket(this, "TrailBucket", {
      dataKey: keys.dataKey,
      accessLogs: props.accessLogs,
      mode: config.objectLockMode,
      retentionDays: config.retention["key-usage"].days,
      pinEncryptionKey: false,
      noReplicaReason:
        "CloudTrail digest files (log file validation) make any change or deletion of a log file detectable, and Object Lock prevents it; the trail is the evidence account's own audit log, not evidence.",
    });
    this.logGroup = new logs.LogGroup(this, "TrailLogs", {
      encryptionKey: keys.dataKey,
      retention: retentionAtLeast(config.retention["key-usage"].days),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    keys.allowServiceUse(
      "CloudTrailEncryptsLogFiles",
      "cloudtrail.amazonaws.com",
      ["kms:GenerateDataKey*", "kms:DescribeKey"],
      {
        StringEquals: { "aws:SourceAccount": stack.account },
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`,
        },
      },
    );
    this.trail = new cloudtrail.Trail(this, "Trail", {
      bucket: this.bucket.bucket,
      encryptionKey: keys.dataKey,
      enableFileValidation: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      managementEvents: cloudtrail.ReadWriteType.ALL,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
    });
    this.trail.node.addDependency(keys.dataKey);
    this.trail.addS3EventSelector(
      props.dataEventBuckets.map((locked) => ({ bucket: locked.bucket })),
      { readWriteType: cloudtrail.ReadWriteType.ALL, includeManagementEvents: false },
    );

    this.alarmOnKeyAdministration(keys, monitoring);

    this.keyUsage = new WorkQueue(this, "KeyUsageQueue", {
      dataKey: keys.dataKey,
      visibilityTimeout: Duration.minutes(6),
    });
    this.forwardKeyCalls(keys, props.evidenceBus, monitoring);
    monitoring.alarmOnDeadLetters("KeyUsageQueue", this.keyUsage.deadLetterQueue);
  }

  /**
   * Every call on the signing key, and the administrative calls on the data key. The data key's
   * routine use (Decrypt, GenerateDataKey by SQS, EventBridge, DynamoDB, S3 on every message)
   * is left out on purpose: forwarding it through the encrypted bus and queue would itself call
   * the data key, a loop that feeds itself. Those calls stay in the trail.
   */
  private keyCallPattern(keys: EvidenceKeys): events.EventPattern {
    return {
      source: ["aws.kms"],
      detailType: [API_CALL_DETAIL_TYPE],
      detail: {
        $or: [
          { resources: { ARN: [keys.signingKey.keyArn] } },
          { resources: { ARN: [keys.dataKey.keyArn] }, eventName: [...DATA_KEY_ADMIN_CALLS] },
        ],
      },
    };
  }

  /** Default bus -> evidence bus -> key-usage queue, every hop with its DLQ. */
  private forwardKeyCalls(
    keys: EvidenceKeys,
    evidenceBus: events.IEventBus,
    monitoring: Monitoring,
  ): void {
    const forwardDeadLetters = deadLetterQueue(
      this,
      "ForwardDeadLetters",
      keys.dataKey,
      "the default-bus rule that forwards KMS calls",
    );
    const forward = new events.Rule(this, "ForwardKeyCalls", {
      description: "KMS calls on the evidence keys, to the evidence bus",
      eventPattern: this.keyCallPattern(keys),
      targets: [
        new targets.EventBus(evidenceBus, {
          deadLetterQueue: forwardDeadLetters,
        }),
      ],
    });
    (forward.node.defaultChild as events.CfnRule).state = ALL_MANAGEMENT_EVENTS;

    const queueDeadLetters = deadLetterQueue(
      this,
      "KeyUsageRuleDeadLetters",
      keys.dataKey,
      "the evidence-bus rule to the key-usage queue",
    );
    const toQueue = new events.Rule(this, "KeyCallsToKeyUsage", {
      eventBus: evidenceBus,
      description: "Forwarded KMS calls on the evidence keys, to the key-usage queue",
      eventPattern: { ...this.keyCallPattern(keys), account: [Stack.of(this).account] },
      targets: [
        new targets.SqsQueue(this.keyUsage.queue, {
          deadLetterQueue: queueDeadLetters,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    (toQueue.node.defaultChild as events.CfnRule).state = ALL_MANAGEMENT_EVENTS;

    monitoring.alarmOnDeadLetters("KeyCallForwarding", forwardDeadLetters);
    monitoring.alarmOnDeadLetters("KeyUsageRule", queueDeadLetters);
  }

  private alarmOnKeyAdministration(keys: EvidenceKeys, monitoring: Monitoring): void {
    const watched: ReadonlyArray<[name: string, key: kms.IKey, calls: readonly string[]]> = [
      [
        "SigningKey",
        keys.signingKey,
        ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "CreateGrant"],
      ],
      // DynamoDB, SQS and Lambda create grants on the data key as part of normal operation.
      ["DataKey", keys.dataKey, ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"]],
    ];
    for (const [name, key, calls] of watched) {
      for (const call of calls) {
        const metric = this.metricFor(
          `${name}${call}`,
          `{ ($.eventSource = "kms.amazonaws.com") && ($.eventName = "${call}") && ($.resources[0].ARN = "${key.keyArn}") }`,
        );
        monitoring.alarmWhen(
          `${name}${call}`,
          `${call} was called on the ${name === "SigningKey" ? "evidence signing key" : "evidence data key"}. Confirm it was an approved change; if not, treat it as an incident (the trail records who called it).`,
          metric,
        );
      }
    }
  }

  /**
   * Alarms when anyone but `signers` calls Sign on the signing key (allowed or not: a denied
   * attempt is the interesting one). Called once the signing roles are known.
   */
  alarmOnUnexpectedSigners(
    keys: EvidenceKeys,
    signers: readonly iam.IRole[],
    monitoring: Monitoring,
  ): cloudwatch.Alarm {
    const notASigner = signers
      .map((role) => `($.userIdentity.sessionContext.sessionIssuer.arn != "${role.roleArn}")`)
      .join(" && ");
    const metric = this.metricFor(
      "UnexpectedSigner",
      `{ ($.eventSource = "kms.amazonaws.com") && ($.eventName = "Sign") && ($.resources[0].ARN = "${keys.signingKey.keyArn}") && (($.userIdentity.type != "AssumedRole") || (${notASigner})) }`,
    );
    return monitoring.alarmWhen(
      "UnexpectedSigner",
      "A principal other than the signing roles called Sign on the evidence signing key. The key policy denies it, so this is an attempt: find the caller in the trail.",
      metric,
    );
  }

  private metricFor(name: string, pattern: string): cloudwatch.IMetric {
    const filter = new logs.MetricFilter(this, `${name}Filter`, {
      logGroup: this.logGroup,
      filterPattern: logs.FilterPattern.literal(pattern),
      metricNamespace: `${METRICS_NAMESPACE}/KeyEvents`,
      metricName: name,
      metricValue: "1",
    });
    return filter.metric({ period: Duration.minutes(5), statistic: "Sum" });
  }
}
