import { existsSync } from "node:fs";
import { Annotations, CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sources from "aws-cdk-lib/aws-lambda-event-sources";
import type { Construct } from "constructs";
import type { EvidencePlaneConfig } from "../config/config.ts";
import { EVIDENCE_SOURCE_PREFIX, METRICS_NAMESPACE } from "../config/layout.ts";
import { eventSchemas } from "../core/events/index.ts";
import {
  acknowledgeFunctionPlacement,
  acknowledgeInlinePolicies,
  acknowledgeSqsEventSource,
} from "./acknowledgements.ts";
import { ArchivePipeline } from "./archive.ts";
import { AuditTrail } from "./audit-trail.ts";
import { type HandlerEntries, handlerEntries } from "./bundling.ts";
import { EventTable } from "./event-table.ts";
import { EvidenceFunction } from "./evidence-function.ts";
import { IngestPipeline } from "./ingest.ts";
import { EvidenceKeys } from "./keys.ts";
import { Monitoring } from "./monitoring.ts";
import { PackApi } from "./pack-api.ts";
import { type ReplicatedBucket, replicaNames } from "./replica-stack.ts";
import { SchemaRegistry } from "./schema-registry.ts";
import { accessLogsBucket, LockedBucket, type ReplicaTarget } from "./storage.ts";

export interface EvidenceStackProps extends StackProps {
  readonly config: EvidencePlaneConfig;
  /**
   * Handler entry files. A handler whose file is missing is left out with a warning (the pack
   * API and the key-usage consumer); ingest and archive are required.
   * @default - functions/<name>.ts
   */
  readonly handlerEntries?: Partial<HandlerEntries>;
}

/**
 * The evidence account: keys, the append-only table, Object Lock buckets, the ingest and archive
 * pipelines, the pack API, the account's own trail, alarms and dashboard, and the schema registry.
 */
export class EvidenceStack extends Stack {
  readonly keys: EvidenceKeys;
  readonly table: EventTable;
  readonly evidence: LockedBucket;
  readonly packs: LockedBucket;
  readonly ingest: IngestPipeline;
  readonly archive: ArchivePipeline;
  readonly packApi?: PackApi;
  readonly trail: AuditTrail;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: EvidenceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const entries = handlerEntries(props.handlerEntries);

    if (config.objectLockMode === "GOVERNANCE") {
      Annotations.of(this).addWarningV2(
        "evidence-plane:governance-mode",
        "Object Lock mode is GOVERNANCE: a principal granted s3:BypassGovernanceRetention could shorten retention or delete evidence once the bucket policy's deny is removed. Use COMPLIANCE (the default) for evidence regulators rely on (SEC 17a-4(f), 21 CFR 11).",
      );
    }

    this.keys = new EvidenceKeys(this, "Keys", { securityPrincipals: config.securityPrincipals });
    this.allowServicesToUseDataKey();

    const accessLogs = accessLogsBucket(
      this,
      "AccessLogs",
      Math.max(365, config.retention["key-usage"].days),
    );
    const replicaFor = this.replication(config);
    this.evidence = new LockedBucket(this, "Evidence", {
      dataKey: this.keys.dataKey,
      accessLogs: { bucket: accessLogs, prefix: "evidence/" },
      mode: config.objectLockMode,
      retentionDays: config.retention.release.days,
      ...(replicaFor ? { replica: replicaFor("evidence") } : {}),
    });
    this.packs = new LockedBucket(this, "Packs", {
      dataKey: this.keys.dataKey,
      accessLogs: { bucket: accessLogs, prefix: "packs/" },
      mode: config.objectLockMode,
      retentionDays: config.retention.governance.days,
      ...(replicaFor ? { replica: replicaFor("packs") } : {}),
    });
    this.table = new EventTable(this, "Tables", { dataKey: this.keys.dataKey });

    this.monitoring = new Monitoring(this, "Monitoring", {
      dataKey: this.keys.dataKey,
      emails: config.alarms.emails,
      ...(config.alarms.topicArn ? { topicArn: config.alarms.topicArn } : {}),
    });
    const pipelineProps = {
      config,
      entries,
      keys: this.keys,
      table: this.table,
      evidence: this.evidence,
      monitoring: this.monitoring,
    };
    this.ingest = new IngestPipeline(this, "Ingest", pipelineProps);
    this.archive = new ArchivePipeline(this, "Archive", pipelineProps);

    if (existsSync(entries["pack-api"]) && existsSync(entries["pack-assembler"])) {
      this.packApi = new PackApi(this, "PackApi", {
        ...pipelineProps,
        packs: this.packs,
        evidenceBusName: this.ingest.bus.eventBusName,
        evidenceBusArn: this.ingest.bus.eventBusArn,
      });
    } else {
      Annotations.of(this).addWarningV2(
        "evidence-plane:pack-api-missing",
        "functions/pack-api.ts or functions/pack-assembler.ts is missing: the pack API, its assembler and the auditor role are not part of this synthesis.",
      );
    }
    const legalHoldRoles = this.packApi ? [this.packApi.apiHandler.role] : [];
    this.evidence.restrictLegalHolds(legalHoldRoles);
    this.packs.restrictLegalHolds(legalHoldRoles);

    this.trail = new AuditTrail(this, "AuditTrail", {
      config,
      keys: this.keys,
      accessLogs: { bucket: accessLogs, prefix: "trail/" },
      dataEventBuckets: [this.evidence, this.packs],
      evidenceBus: this.ingest.bus,
      monitoring: this.monitoring,
    });
    this.keyUsageConsumer(entries["key-usage"]);

    const signers = [
      this.ingest.ingest.role,
      ...(this.packApi ? [this.packApi.assembler.role] : []),
    ];
    this.keys.sealSigningPolicy();
    this.trail.alarmOnUnexpectedSigners(this.keys, signers, this.monitoring);

    new SchemaRegistry(this, "Schemas", { schemas: eventSchemas() });
    this.dashboard();
    this.outputs();

    acknowledgeInlinePolicies(this);
    acknowledgeFunctionPlacement(this);
  }

  /** The key-usage function, wired only when functions/key-usage.ts is part of the checkout. */
  private keyUsageConsumer(entry: string): void {
    if (!existsSync(entry)) {
      Annotations.of(this).addWarningV2(
        "evidence-plane:key-usage-missing",
        "functions/key-usage.ts is missing: KMS calls on the evidence keys wait in the key-usage queue (14 days) until the consumer is deployed.",
      );
      return;
    }
    const keyUsage = new EvidenceFunction(this, "KeyUsage", {
      entry,
      description: "Summarizes KMS calls on the evidence keys into key-usage evidence",
      serviceName: "evidence-key-usage",
      timeout: Duration.minutes(1),
      memorySize: 256,
      dataKey: this.keys.dataKey,
      reservedConcurrentExecutions: 1,
      environment: { EVIDENCE_BUS_NAME: this.ingest.bus.eventBusName },
    });
    keyUsage.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["events:PutEvents"],
        resources: [this.ingest.bus.eventBusArn],
        conditions: { StringLike: { "events:source": `${EVIDENCE_SOURCE_PREFIX}*` } },
      }),
    );
    keyUsage.function.addEventSource(
      new sources.SqsEventSource(this.trail.keyUsage.queue, {
        batchSize: 100,
        maxBatchingWindow: Duration.minutes(5),
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    acknowledgeSqsEventSource(keyUsage.function);
    this.monitoring.alarmOnDeadLetters("KeyUsageAsync", keyUsage.deadLetterQueue);
    this.monitoring.alarmOnErrors("KeyUsage", keyUsage.function);
  }

  /** Services that encrypt with the data key on the account's behalf, each scoped to it. */
  private allowServicesToUseDataKey(): void {
    const sourceAccount = { StringEquals: { "aws:SourceAccount": this.account } };
    this.keys.allowServiceUse(
      "CloudWatchLogsEncryptsLogGroups",
      `logs.${this.region}.amazonaws.com`,
      ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
        },
      },
    );
    for (const [sid, service] of [
      ["CloudWatchAlarmsPublishToEncryptedTopic", "cloudwatch.amazonaws.com"],
      ["EventBridgeDeliversToEncryptedQueues", "events.amazonaws.com"],
      ["SnsDeliversToEncryptedQueues", "sns.amazonaws.com"],
    ] as const) {
      this.keys.allowServiceUse(
        sid,
        service,
        ["kms:Decrypt", "kms:GenerateDataKey*"],
        sourceAccount,
      );
    }
  }

  /** Replication targets for the evidence and packs buckets, when a replica region is set. */
  private replication(
    config: EvidencePlaneConfig,
  ): ((kind: ReplicatedBucket) => ReplicaTarget) | undefined {
    const replicaRegion = config.replicaRegion;
    if (replicaRegion === undefined) return undefined;
    const names = replicaNames(config, replicaRegion);
    const role = new iam.Role(this, "ReplicationRole", {
      assumedBy: new iam.ServicePrincipal("s3.amazonaws.com"),
      description: `Replicates evidence and packs to ${replicaRegion}`,
    });
    const replicaKeys = `arn:${this.partition}:kms:${replicaRegion}:${this.account}:key/*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["kms:Encrypt", "kms:GenerateDataKey"],
        resources: [replicaKeys],
        conditions: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": names.keyAlias } },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${replicaKeys}]`,
      reason:
        "The replica key lives in another region's stack; the statement is narrowed to that key by its alias (kms:ResourceAliases), the only name known here before deployment.",
    });
    return (kind) => ({
      bucketName: names.bucket(kind),
      region: replicaRegion,
      account: config.evidenceAccount,
      keyAliasArn: names.keyAliasArn,
      role,
    });
  }

  private dashboard(): void {
    const ingest = this.ingest.ingest.function;
    const archive = this.archive.archive.function;
    const planeMetric = (metricName: string, service: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: "Sum",
        period: Duration.minutes(5),
      });
    this.monitoring.addRow(
      new cloudwatch.GraphWidget({
        title: "Evidence events",
        left: [
          planeMetric("EventsReceived", "evidence-ingest"),
          planeMetric("EventsRecorded", "evidence-ingest"),
          planeMetric("EventsDuplicate", "evidence-ingest"),
          planeMetric("EventsQuarantined", "evidence-ingest"),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "Ingest queue",
        left: [
          this.ingest.queue.queue.metricApproximateNumberOfMessagesVisible(),
          this.ingest.queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
        ],
        right: [this.ingest.queue.queue.metricApproximateAgeOfOldestMessage()],
      }),
      new cloudwatch.GraphWidget({
        title: "Ingest function",
        left: [ingest.metricInvocations(), ingest.metricErrors(), ingest.metricThrottles()],
        right: [ingest.metricDuration({ statistic: "p99" })],
      }),
    );
    this.monitoring.addRow(
      new cloudwatch.GraphWidget({
        title: "Archive",
        left: [
          planeMetric("RecordsArchived", "evidence-archive"),
          planeMetric("ArchiveMismatches", "evidence-archive"),
          archive.metricErrors(),
        ],
        right: [archive.metric("IteratorAge", { statistic: "Maximum" })],
      }),
      new cloudwatch.GraphWidget({
        title: "Signing races",
        left: [
          planeMetric("SeqConflicts", "evidence-ingest"),
          planeMetric("SignaturesAbandoned", "evidence-ingest"),
        ],
      }),
      new cloudwatch.AlarmStatusWidget({
        title: "Alarms",
        alarms: this.monitoring.alarms,
        width: 8,
      }),
    );
    if (this.packApi) this.monitoring.addRow(...this.packApi.widgets());
  }

  private outputs(): void {
    new CfnOutput(this, "EvidenceBusArn", {
      value: this.ingest.bus.eventBusArn,
      description: "Producers put evidence events here (workload stacks take it as input)",
    });
    new CfnOutput(this, "SigningKeyArn", {
      value: this.keys.signingKey.keyArn,
      description: "Fetch the public key with kms get-public-key and pin it in verifiers",
    });
    new CfnOutput(this, "EvidenceBucketName", { value: this.evidence.bucket.bucketName });
    new CfnOutput(this, "PacksBucketName", { value: this.packs.bucket.bucketName });
    new CfnOutput(this, "EventTableName", { value: this.table.table.tableName });
    if (this.packApi) {
      new CfnOutput(this, "PackApiUrl", { value: this.packApi.api.url });
      new CfnOutput(this, "AuditorRoleArn", { value: this.packApi.auditorRole.roleArn });
    }
  }
}
