import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sources from "aws-cdk-lib/aws-lambda-event-sources";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { EvidencePlaneConfig } from "../config/config.ts";
import { EVIDENCE_SOURCE_PREFIX, METRICS_NAMESPACE, QUARANTINE_PREFIX } from "../config/layout.ts";
import { acknowledgeSqsEventSource } from "./acknowledgements.ts";
import type { HandlerEntries } from "./bundling.ts";
import type { EventTable } from "./event-table.ts";
import { EvidenceFunction } from "./evidence-function.ts";
import type { EvidenceKeys } from "./keys.ts";
import type { Monitoring } from "./monitoring.ts";
import { deadLetterQueue, WorkQueue } from "./queues.ts";
import type { LockedBucket } from "./storage.ts";

/**
 * The evidence bus's name. It is fixed (not generated) because workload stacks in other
 * accounts address the bus by ARN before the evidence stack's outputs could reach them.
 */
export function evidenceBusName(config: EvidencePlaneConfig): string {
  return `${config.namePrefix}-evidence`;
}

/** The evidence bus's ARN, known from the configuration alone. */
export function evidenceBusArn(config: EvidencePlaneConfig): string {
  return `arn:aws:events:${config.region}:${config.evidenceAccount}:event-bus/${evidenceBusName(config)}`;
}

/** The environment the pipeline functions read (lib/pipeline/env.ts). */
export function pipelineEnvironment(
  config: EvidencePlaneConfig,
  table: EventTable,
  evidence: LockedBucket,
): Record<string, string> {
  const retention = Object.fromEntries(
    Object.entries(config.retention).map(([evidenceClass, { days }]) => [evidenceClass, days]),
  );
  return {
    EVENT_TABLE: table.table.tableName,
    EVIDENCE_BUCKET: evidence.bucket.bucketName,
    OBJECT_LOCK_MODE: config.objectLockMode,
    RETENTION_DAYS: JSON.stringify(retention),
  };
}

export interface IngestPipelineProps {
  readonly config: EvidencePlaneConfig;
  readonly entries: HandlerEntries;
  readonly keys: EvidenceKeys;
  readonly table: EventTable;
  readonly evidence: LockedBucket;
  readonly monitoring: Monitoring;
}

/** Ingest concurrency: bounds cost, and the KMS Sign rate (ECC: 300/s per account and region). */
const INGEST_CONCURRENCY = 5;
const INGEST_TIMEOUT = Duration.seconds(30);

/**
 * Producers to the signed, appended record: the evidence bus (its policy admits only the
 * configured accounts or organization, and only `evidence.*` sources), an archive for replay,
 * the rule to the encrypted ingest queue (rule DLQ, queue DLQ), and the ingest function.
 */
export class IngestPipeline extends Construct {
  readonly bus: events.EventBus;
  readonly queue: WorkQueue;
  readonly ruleDeadLetters: sqs.Queue;
  readonly busDeadLetters: sqs.Queue;
  readonly ingest: EvidenceFunction;

  constructor(scope: Construct, id: string, props: IngestPipelineProps) {
    super(scope, id);
    const { config, keys, table, evidence, monitoring } = props;
    const dataKey = keys.dataKey;

    this.busDeadLetters = deadLetterQueue(
      this,
      "BusDeadLetters",
      dataKey,
      "the evidence bus (events it cannot decrypt or deliver)",
    );
    this.bus = new events.EventBus(this, "Bus", {
      eventBusName: evidenceBusName(config),
      description: "Evidence events from delivery accounts",
      kmsKey: dataKey,
      deadLetterQueue: this.busDeadLetters,
    });
    this.busDeadLetters.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("events.amazonaws.com")],
        actions: ["sqs:SendMessage"],
        resources: [this.busDeadLetters.queueArn],
        conditions: { ArnEquals: { "aws:SourceArn": this.bus.eventBusArn } },
      }),
    );
    this.allowProducers(config);
    this.bus.archive("Archive", {
      description: "Every evidence event, for replay after an outage",
      eventPattern: { source: events.Match.prefix(EVIDENCE_SOURCE_PREFIX) },
      retention: Duration.days(config.busArchiveRetentionDays),
      kmsKey: dataKey,
    });

    this.queue = new WorkQueue(this, "IngestQueue", {
      dataKey,
      visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
    });
    this.ruleDeadLetters = deadLetterQueue(
      this,
      "RuleDeadLetters",
      dataKey,
      "the evidence rule's SQS target",
    );
    new events.Rule(this, "EvidenceRule", {
      eventBus: this.bus,
      description: "Every evidence.* event to the ingest queue",
      eventPattern: { source: events.Match.prefix(EVIDENCE_SOURCE_PREFIX) },
      targets: [
        new targets.SqsQueue(this.queue.queue, {
          deadLetterQueue: this.ruleDeadLetters,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    this.ingest = new EvidenceFunction(this, "Ingest", {
      entry: props.entries.ingest,
      description: "Validates, signs and appends evidence events; quarantines invalid ones",
      serviceName: "evidence-ingest",
      timeout: INGEST_TIMEOUT,
      memorySize: 512,
      dataKey,
      reservedConcurrentExecutions: INGEST_CONCURRENCY,
      environment: {
        ...pipelineEnvironment(config, table, evidence),
        SIGNING_KEY_ID: keys.signingKey.keyArn,
      },
    });
    table.grantRead(this.ingest.role);
    table.grantAppend(this.ingest.role);
    evidence.grantWrite(this.ingest.role, `${QUARANTINE_PREFIX}*`);
    evidence.grantRead(this.ingest.role, `${QUARANTINE_PREFIX}*`);
    keys.allowSigning(this.ingest.role);
    this.ingest.function.addEventSource(
      new sources.SqsEventSource(this.queue.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: INGEST_CONCURRENCY,
      }),
    );

    acknowledgeSqsEventSource(this.ingest.function);

    monitoring.alarmOnDeadLetters("IngestQueue", this.queue.deadLetterQueue);
    monitoring.alarmOnDeadLetters("IngestRule", this.ruleDeadLetters);
    monitoring.alarmOnDeadLetters("EvidenceBus", this.busDeadLetters);
    monitoring.alarmOnDeadLetters("IngestAsync", this.ingest.deadLetterQueue);
    monitoring.alarmOnErrors("Ingest", this.ingest.function);
    monitoring.alarmWhen(
      "EventsQuarantined",
      "An evidence event was refused and quarantined (prefix quarantine/ of the evidence bucket holds its bytes and reasons). Tell its producer what to fix.",
      new cloudwatch.MathExpression({
        expression: `SELECT SUM(EventsQuarantined) FROM "${METRICS_NAMESPACE}"`,
        usingMetrics: {},
        period: Duration.minutes(5),
        label: "Events quarantined",
      }),
    );
    monitoring.alarmWhen(
      "IngestBacklog",
      "The oldest evidence event has waited 15 minutes in the ingest queue: ingest is failing or throttled (KMS Sign quota).",
      this.queue.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: "Maximum",
      }),
      15 * 60,
    );
  }

  private allowProducers(config: EvidencePlaneConfig): void {
    const sourceCondition = { StringLike: { "events:source": `${EVIDENCE_SOURCE_PREFIX}*` } };
    if (config.producers.accounts.length > 0) {
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: "ProducerAccountsPutEvidence",
          principals: config.producers.accounts.map((account) => new iam.AccountPrincipal(account)),
          actions: ["events:PutEvents"],
          resources: [this.bus.eventBusArn],
          conditions: sourceCondition,
        }),
      );
    }
    if (config.producers.organizationId) {
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: "ProducerOrganizationPutsEvidence",
          principals: [new iam.AnyPrincipal()],
          actions: ["events:PutEvents"],
          resources: [this.bus.eventBusArn],
          conditions: {
            ...sourceCondition,
            StringEquals: { "aws:PrincipalOrgID": config.producers.organizationId },
          },
        }),
      );
    }
  }
}
