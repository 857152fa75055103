import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import { type AwsTarget, clientConfig } from "./aws-config.ts";

export type { StreamRecord };

/** A DynamoDB stream, read shard by shard from a checkpoint. */
export class DynamoStreamReader {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;

  constructor(options: { client: DynamoDBStreamsClient; streamArn: string }) {
    this.client = options.client;
    this.streamArn = options.streamArn;
  }

  static forTarget(target: AwsTarget, streamArn: string): DynamoStreamReader {
    return new DynamoStreamReader({
      client: new DynamoDBStreamsClient(clientConfig(target)),
      streamArn,
    });
  }

  /** Ids of the stream's shards. */
  async shards(): Promise<string[]> {
    const ids: string[] = [];
    let start: string | undefined;
    do {
      const out = await this.client.send(
        new DescribeStreamCommand({
          StreamArn: this.streamArn,
          ...(start ? { ExclusiveStartShardId: start } : {}),
        }),
      );
      for (const shard of out.StreamDescription?.Shards ?? []) {
        if (shard.ShardId) ids.push(shard.ShardId);
      }
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return ids;
  }

  /**
   * Up to `limit` records of a shard after `afterSequenceNumber` (from the oldest kept record when
   * unset). Takes a fresh iterator every call: an old iterator can show records of a transaction
   * that was cancelled after the iterator was taken.
   */
  async read(
    shardId: string,
    afterSequenceNumber: string | undefined,
    limit: number,
  ): Promise<StreamRecord[]> {
    const iterator = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(afterSequenceNumber
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: afterSequenceNumber }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    if (!iterator.ShardIterator) return [];
    const out = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: limit }),
    );
    return out.Records ?? [];
  }
}
