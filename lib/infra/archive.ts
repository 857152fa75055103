import { Duration, Validations } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sources from "aws-cdk-lib/aws-lambda-event-sources";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { EvidencePlaneConfig } from "../config/config.ts";
import type { HandlerEntries } from "./bundling.ts";
import type { EventTable } from "./event-table.ts";
import { EvidenceFunction } from "./evidence-function.ts";
import { pipelineEnvironment } from "./ingest.ts";
import type { EvidenceKeys } from "./keys.ts";
import type { Monitoring } from "./monitoring.ts";
import { deadLetterQueue } from "./queues.ts";
import type { LockedBucket } from "./storage.ts";

export interface ArchivePipelineProps {
  readonly config: EvidencePlaneConfig;
  readonly entries: HandlerEntries;
  readonly keys: EvidenceKeys;
  readonly table: EventTable;
  readonly evidence: LockedBucket;
  readonly monitoring: Monitoring;
}

/** Stream records older than this are handed to the on-failure queue (the stream keeps 24 h). */
const MAX_RECORD_AGE = Duration.hours(12);

/**
 * The table stream to the Object Lock bucket: only INSERTs reach the function; a failing batch
 * is bisected, retried a bounded number of times, and then described in the on-failure queue
 * (from which `evidence reconcile` re-archives), so one bad record never blocks its shard.
 */
export class ArchivePipeline extends Construct {
  readonly archive: EvidenceFunction;
  readonly failures: sqs.Queue;

  constructor(scope: Construct, id: string, props: ArchivePipelineProps) {
    super(scope, id);
    const { config, keys, table, evidence, monitoring } = props;

    this.archive = new EvidenceFunction(this, "Archive", {
      entry: props.entries.archive,
      description: "Writes every new evidence record to the Object Lock evidence bucket",
      serviceName: "evidence-archive",
      timeout: Duration.minutes(1),
      memorySize: 512,
      dataKey: keys.dataKey,
      reservedConcurrentExecutions: 4,
      environment: pipelineEnvironment(config, table, evidence),
    });
    evidence.grantWrite(this.archive.role, "records/*");
    evidence.grantRead(this.archive.role, "records/*");

    this.failures = deadLetterQueue(
      this,
      "StreamFailures",
      keys.dataKey,
      "the event table stream (on-failure destination)",
    );
    this.archive.function.addEventSource(
      new sources.DynamoEventSource(table.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: MAX_RECORD_AGE,
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: new sources.SqsDlq(this.failures),
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual("INSERT") })],
      }),
    );

    const cdkGrant =
      "Added by the stream's on-failure destination (CDK grants send on the encrypted failure queue with these KMS wildcards); the statement is scoped to the data key's ARN.";
    Validations.of(this.archive.role).acknowledge(
      { id: "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", reason: cdkGrant },
      { id: "AwsSolutions-IAM5[Action::kms:ReEncrypt*]", reason: cdkGrant },
    );

    monitoring.alarmOnDeadLetters("ArchiveStream", this.failures);
    monitoring.alarmOnDeadLetters("ArchiveAsync", this.archive.deadLetterQueue);
    monitoring.alarmOnErrors("Archive", this.archive.function);
    monitoring.alarmWhen(
      "ArchiveIteratorAge",
      "Archiving lags the table by more than an hour; records older than 12 hours go to the on-failure queue, so run `evidence reconcile` if this persists.",
      this.archive.function.metric("IteratorAge", {
        period: Duration.minutes(5),
        statistic: "Maximum",
      }),
      60 * 60 * 1000,
    );
  }
}
