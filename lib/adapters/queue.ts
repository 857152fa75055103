import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type AwsTarget, clientConfig } from "./aws-config.ts";

/** A received message: what an SQS event source mapping hands Lambda. */
export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly md5OfBody: string;
}

/** Depth of a queue. */
export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** An SQS queue, read and acknowledged the way Lambda's event source mapping does. */
export class SqsQueue {
  readonly client: SQSClient;
  readonly url: string;

  constructor(options: { client: SQSClient; url: string }) {
    this.client = options.client;
    this.url = options.url;
  }

  static forTarget(target: AwsTarget, url: string): SqsQueue {
    return new SqsQueue({ client: new SQSClient(clientConfig(target)), url });
  }

  /** Receives up to `max` (at most 10) messages, hidden for `visibilityTimeoutSeconds`. */
  async receive(options: {
    max: number;
    visibilityTimeoutSeconds: number;
    waitSeconds: number;
    abortSignal?: AbortSignal;
  }): Promise<QueueMessage[]> {
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url,
        MaxNumberOfMessages: Math.min(10, options.max),
        VisibilityTimeout: options.visibilityTimeoutSeconds,
        WaitTimeSeconds: options.waitSeconds,
        MessageSystemAttributeNames: ["All"],
      }),
      options.abortSignal ? { abortSignal: options.abortSignal } : {},
    );
    return (out.Messages ?? []).flatMap((message) => toQueueMessage(message));
  }

  /** Acknowledges messages (they will not be delivered again). */
  async delete(messages: readonly QueueMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.url,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.receiptHandle })),
        }),
      );
    }
  }

  /** Makes messages visible again after `seconds` (0: at once). */
  async release(messages: readonly QueueMessage[], seconds = 0): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.url,
          Entries: chunk.map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.receiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
    }
  }

  /** Sends one message body. */
  async send(body: string): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.url, MessageBody: body }));
  }

  /** Approximate depth. */
  async depth(): Promise<QueueDepth> {
    const out = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.url,
        AttributeNames: [
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed",
        ],
      }),
    );
    const attrs = out.Attributes ?? {};
    return {
      visible: Number(attrs.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(attrs.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }
}

function toQueueMessage(message: Message): QueueMessage[] {
  if (!message.MessageId || !message.ReceiptHandle || message.Body === undefined) return [];
  return [
    {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: { ...message.Attributes },
      md5OfBody: message.MD5OfBody ?? "",
    },
  ];
}
