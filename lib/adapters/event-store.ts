import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { EVENT_TABLE_LAYOUT } from "../config/layout.ts";
import type { Digest } from "../core/digest.ts";
import type { StreamHead } from "../core/records/index.ts";
import { type AwsTarget, clientConfig } from "./aws-config.ts";
import { scanTable } from "./table-scan.ts";

/** A global secondary index of the event table (lib/config/layout.ts). */
export type EventTableIndex = keyof typeof EVENT_TABLE_LAYOUT.indexes;

/** A record as the event table holds it. */
export interface StoredRecord {
  readonly stream: string;
  readonly seq: number;
  /** Digest of the record (what the next record's `prev` carries). */
  readonly digest: Digest;
  readonly receivedAt: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The canonical JSON of the SignedRecord. */
  readonly signed: string;
  readonly kmsRequestId?: string;
}

/** What a record item carries beside the signed record, for lookups. */
export interface RecordItem extends StoredRecord {
  readonly releaseId?: string;
  readonly commit?: string;
  readonly artifactDigest?: string;
}

/** The idempotency marker of one producer event id. */
export interface EventMarker {
  readonly eventId: string;
  readonly eventDigest: Digest;
  readonly stream: string;
  readonly seq: number;
}

/** A signature that was made but whose record lost a race: kept so every Sign call is accounted for. */
export interface AbandonedSignature {
  readonly requestId: string;
  readonly keyId: string;
  /** Digest of the statement that was signed. */
  readonly statementDigest: Digest;
  readonly stream: string;
  readonly seq: number;
  readonly eventId: string;
  readonly signedAt: string;
  readonly reason: string;
}

/** How an append ended. */
export type AppendOutcome =
  | { readonly kind: "appended" }
  /** Another writer took this seq first: re-read the head and rebuild. */
  | { readonly kind: "seq-taken" }
  /** The event id is already recorded (possibly by a concurrent writer). */
  | { readonly kind: "event-known"; readonly marker: EventMarker };

const MARKER_PREFIX = "event#";
const SIGNATURE_PREFIX = "sig#";

/**
 * The append-only event table. Records live at pk = stream, sk = seq; idempotency markers at
 * pk = `event#<eventId>`, sk = 0; abandoned signatures at pk = `sig#<requestId>`, sk = 0.
 * Every write is a conditional Put: nothing here updates or deletes an item.
 */
export class DynamoEventStore {
  readonly client: DynamoDBClient;
  readonly tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  static forTarget(target: AwsTarget, tableName: string): DynamoEventStore {
    return new DynamoEventStore({ client: new DynamoDBClient(clientConfig(target)), tableName });
  }

  /** The stream's last record, read consistently, or undefined for an empty stream. */
  async readHead(stream: string): Promise<StreamHead | undefined> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: marshall({ ":pk": stream }),
        ProjectionExpression: "seq, digest",
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    if (!item) return undefined;
    const { seq, digest } = unmarshall(item) as { seq: number; digest: Digest };
    return { seq, digest };
  }

  /** The marker of a producer event id, read consistently. */
  async getEventMarker(eventId: string): Promise<EventMarker | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall({ pk: `${MARKER_PREFIX}${eventId}`, sk: 0 }),
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const item = unmarshall(out.Item);
    return {
      eventId: item.eventId,
      eventDigest: item.eventDigest,
      stream: item.stream,
      seq: item.seq,
    };
  }

  /** The record item at `stream`/`seq`, read consistently. */
  async getRecord(stream: string, seq: number): Promise<StoredRecord | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall({ pk: stream, sk: seq }),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toStoredRecord(unmarshall(out.Item)) : undefined;
  }

  /**
   * Writes the record at its seq and the event id's marker in one transaction, each only if
   * absent, so two writers can neither fork a stream nor record one event twice.
   */
  async append(record: RecordItem, eventDigest: Digest): Promise<AppendOutcome> {
    const recordItem = {
      ...stripUndefined(record),
      pk: record.stream,
      sk: record.seq,
      day: record.receivedAt.slice(0, 10),
    };
    const marker = {
      pk: `${MARKER_PREFIX}${record.eventId}`,
      sk: 0,
      eventId: record.eventId,
      eventDigest,
      stream: record.stream,
      seq: record.seq,
      receivedAt: record.receivedAt,
    };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: marshall(recordItem),
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: marshall(marker),
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      );
      return { kind: "appended" };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[1]?.Code === "ConditionalCheckFailed") {
        const known = await this.getEventMarker(record.eventId);
        if (known) return { kind: "event-known", marker: known };
      }
      if (reasons[0]?.Code === "ConditionalCheckFailed") return { kind: "seq-taken" };
      throw error;
    }
  }

  /** Keeps an abandoned signature on record (append-only; a repeat of the same id is a no-op). */
  async recordAbandonedSignature(signature: AbandonedSignature): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ pk: `${SIGNATURE_PREFIX}${signature.requestId}`, sk: 0, ...signature }),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Every abandoned signature, in no particular order. */
  async *abandonedSignatures(): AsyncGenerator<AbandonedSignature> {
    for await (const item of this.scan({
      FilterExpression: "begins_with(pk, :sig)",
      ExpressionAttributeValues: marshall({ ":sig": SIGNATURE_PREFIX }),
    })) {
      const { pk: _pk, sk: _sk, ...rest } = item;
      yield rest as unknown as AbandonedSignature;
    }
  }

  /** A stream's records in seq order, fetched a page at a time. */
  queryStream(stream: string, options: { pageSize?: number } = {}): AsyncGenerator<StoredRecord> {
    return this.query({
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: marshall({ ":pk": stream }),
      ConsistentRead: true,
      ...(options.pageSize ? { Limit: options.pageSize } : {}),
    });
  }

  /** Records whose commit, artifact digest or day equals `value`, in index order (eventually consistent). */
  queryIndex(
    index: EventTableIndex,
    value: string,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<StoredRecord> {
    return this.query({
      TableName: this.tableName,
      IndexName: EVENT_TABLE_LAYOUT.indexes[index].name,
      KeyConditionExpression: "#k = :v",
      ExpressionAttributeNames: { "#k": EVENT_TABLE_LAYOUT.indexes[index].partitionKey.name },
      ExpressionAttributeValues: marshall({ ":v": value }),
      ...(options.pageSize ? { Limit: options.pageSize } : {}),
    });
  }

  /** Every record of every stream (markers and signatures left out), in no particular order. */
  async *scanRecords(): AsyncGenerator<StoredRecord> {
    for await (const item of this.scan({
      FilterExpression: "sk > :zero",
      ExpressionAttributeValues: marshall({ ":zero": 0 }),
    })) {
      yield toStoredRecord(item);
    }
  }

  /** How many records the table holds. */
  async countRecords(): Promise<number> {
    let count = 0;
    let start: QueryCommandInput["ExclusiveStartKey"];
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          Select: "COUNT",
          FilterExpression: "sk > :zero",
          ExpressionAttributeValues: marshall({ ":zero": 0 }),
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  private async *query(input: QueryCommandInput): AsyncGenerator<StoredRecord> {
    let start: QueryCommandInput["ExclusiveStartKey"];
    do {
      const out = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) yield toStoredRecord(unmarshall(item));
      start = out.LastEvaluatedKey;
    } while (start);
  }

  private scan(input: Omit<ScanCommandInput, "TableName">) {
    return scanTable(this.client, this.tableName, input);
  }
}

/** Reads a record item (as the table or its stream image holds it). */
export function toStoredRecord(item: Record<string, unknown>): StoredRecord {
  const record: StoredRecord = {
    stream: item.stream as string,
    seq: item.seq as number,
    digest: item.digest as Digest,
    receivedAt: item.receivedAt as string,
    eventId: item.eventId as string,
    eventType: item.eventType as string,
    signed: item.signed as string,
  };
  return typeof item.kmsRequestId === "string"
    ? { ...record, kmsRequestId: item.kmsRequestId }
    : record;
}

/** True for a table item that is a record (not a marker or a signature). */
export function isRecordItem(item: Record<string, unknown>): boolean {
  return typeof item.sk === "number" && item.sk > 0 && typeof item.signed === "string";
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
