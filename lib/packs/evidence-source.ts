import {
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { DynamoEventStore } from "../adapters/event-store.ts";
import { EVENT_TABLE_LAYOUT } from "../config/layout.ts";
import type { StreamHead } from "../core/records/index.ts";

/** A record found through an index: where it is, and when it was received. */
export interface RecordLocation {
  readonly stream: string;
  readonly seq: number;
  readonly receivedAt: string;
  /** The signed record's canonical JSON, when asked for. */
  readonly signed?: string;
}

/** A record read from its stream: its position and the signed record's canonical JSON. */
export interface StoredLine {
  readonly seq: number;
  readonly signed: string;
}

/** What packs and legal holds read from the event table. */
export interface EvidenceSource {
  readHead(stream: string): Promise<StreamHead | undefined>;
  /** Records whose commit or artifact digest is `value` (the table's GSIs). */
  byIndex(index: "byCommit" | "byArtifactDigest", value: string): AsyncIterable<RecordLocation>;
  /** Records received on `day` (YYYY-MM-DD) from `from` (inclusive) to `to` (exclusive). */
  receivedBetween(
    day: string,
    from: string,
    to: string,
    withSigned: boolean,
  ): AsyncIterable<RecordLocation>;
  /** A stream's records `fromSeq`..`toSeq` in seq order, read consistently. */
  streamRange(stream: string, fromSeq: number, toSeq: number): AsyncIterable<StoredLine>;
}

/**
 * The event table, read for packs: indexes to find streams, consistent range queries to read
 * them a page at a time (DynamoDB pages are at most 1 MB, so memory stays flat).
 */
export class DynamoEvidenceSource implements EvidenceSource {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  private readonly store: DynamoEventStore;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.store = new DynamoEventStore(options);
  }

  readHead(stream: string): Promise<StreamHead | undefined> {
    return this.store.readHead(stream);
  }

  async *byIndex(
    index: "byCommit" | "byArtifactDigest",
    value: string,
  ): AsyncIterable<RecordLocation> {
    const layout = EVENT_TABLE_LAYOUT.indexes[index];
    for await (const item of this.query({
      TableName: this.tableName,
      IndexName: layout.name,
      KeyConditionExpression: "#k = :v",
      ExpressionAttributeNames: { "#k": layout.partitionKey.name, "#s": "stream" },
      ExpressionAttributeValues: marshall({ ":v": value }),
      ProjectionExpression: "#s, seq, receivedAt",
    })) {
      yield location(item);
    }
  }

  async *receivedBetween(
    day: string,
    from: string,
    to: string,
    withSigned: boolean,
  ): AsyncIterable<RecordLocation> {
    const layout = EVENT_TABLE_LAYOUT.indexes.byDay;
    for await (const item of this.query({
      TableName: this.tableName,
      IndexName: layout.name,
      KeyConditionExpression: "#d = :d AND #r BETWEEN :from AND :to",
      ExpressionAttributeNames: {
        "#d": layout.partitionKey.name,
        "#r": layout.sortKey.name,
        "#s": "stream",
        ...(withSigned ? { "#g": "signed" } : {}),
      },
      ExpressionAttributeValues: marshall({ ":d": day, ":from": from, ":to": to }),
      ProjectionExpression: withSigned ? "#s, seq, #r, #g" : "#s, seq, #r",
    })) {
      const found = location(item);
      // BETWEEN includes its upper bound; a window's end is exclusive.
      if (found.receivedAt < to) yield found;
    }
  }

  async *streamRange(stream: string, fromSeq: number, toSeq: number): AsyncIterable<StoredLine> {
    for await (const item of this.query({
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
      ExpressionAttributeValues: marshall({ ":pk": stream, ":a": fromSeq, ":b": toSeq }),
      ExpressionAttributeNames: { "#g": "signed" },
      ProjectionExpression: "seq, #g",
      ConsistentRead: true,
    })) {
      yield { seq: item.seq as number, signed: item.signed as string };
    }
  }

  private async *query(input: QueryCommandInput): AsyncGenerator<Record<string, unknown>> {
    let start: QueryCommandInput["ExclusiveStartKey"];
    do {
      const out = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) yield unmarshall(item);
      start = out.LastEvaluatedKey;
    } while (start);
  }
}

function location(item: Record<string, unknown>): RecordLocation {
  return {
    stream: item.stream as string,
    seq: item.seq as number,
    receivedAt: item.receivedAt as string,
    ...(typeof item.signed === "string" ? { signed: item.signed } : {}),
  };
}
