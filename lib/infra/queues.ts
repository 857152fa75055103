import { Duration, Validations } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/** SQS keeps a message at most 14 days: the whole window operators have to act on a DLQ alarm. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * A dead-letter queue: encrypted with the data key, TLS only, kept 14 days. Every DLQ gets a
 * depth alarm (see Monitoring), which is why a DLQ needs no DLQ of its own.
 *
 * `failuresOf` names what sends its failures here when that is not an SQS redrive policy or a
 * Lambda DLQ (an EventBridge target, a stream's on-failure destination, an SNS subscription):
 * cdk-nag then cannot see the queue is a DLQ, and the acknowledgement says whose it is.
 */
export function deadLetterQueue(
  scope: Construct,
  id: string,
  dataKey: kms.IKey,
  failuresOf?: string,
): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: dataKey,
    dataKeyReuse: Duration.minutes(5),
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
  Validations.of(queue).acknowledge({
    id: "Serverless-SQSRedrivePolicy",
    reason:
      "This queue is itself a dead-letter queue: a further DLQ would only move the same messages, and its depth alarm pages on the first message.",
  });
  if (failuresOf !== undefined) {
    Validations.of(queue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: `This queue is the dead-letter queue of ${failuresOf}, a reference cdk-nag does not follow; its depth alarm pages on the first message.`,
    });
  }
  return queue;
}

export interface WorkQueueProps {
  /** Encrypts the queue and its DLQ. */
  readonly dataKey: kms.IKey;
  /** At least six times the consumer's timeout, as Lambda's SQS integration advises. */
  readonly visibilityTimeout: Duration;
  /**
   * Receives before a message moves to the DLQ.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/** A work queue with its own dead-letter queue, both encrypted. */
export class WorkQueue {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    this.deadLetterQueue = deadLetterQueue(scope, `${id}Dlq`, props.dataKey);
    this.queue = new sqs.Queue(scope, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: DEAD_LETTER_RETENTION,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
  }
}
