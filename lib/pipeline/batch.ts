import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from "aws-lambda";
import { isRecordItem, toStoredRecord } from "../adapters/event-store.ts";
import { type ArchiveDeps, archiveRecord } from "./archive.ts";
import { type IngestDeps, ingestMessage } from "./ingest.ts";

/**
 * Ingests an SQS batch of EventBridge events one message at a time (in order, so a batch of one
 * release's events is appended in delivery order) and reports the messages that failed, which
 * SQS delivers again. Quarantined messages count as processed: they are kept, not lost.
 */
export async function ingestBatch(event: SQSEvent, deps: IngestDeps): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(
    event,
    async (record: SQSRecord) => {
      try {
        return await ingestMessage({ messageId: record.messageId, body: record.body }, deps);
      } catch (error) {
        deps.logger.error("ingest failed; the message will be delivered again", {
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          error: errorSummary(error),
        });
        throw error;
      }
    },
    processor,
    // In order: a batch usually holds one release's events, which would only race each other.
    { throwOnFullBatchFailure: false, processInParallel: false },
  );
}

/**
 * Archives the records a DynamoDB stream batch inserted and reports the failed ones (Lambda then
 * retries from the lowest failed sequence number; earlier successes are skipped by the head
 * check). Markers and signature items are not evidence objects and are passed over.
 */
export async function archiveBatch(
  event: DynamoDBStreamEvent,
  deps: ArchiveDeps,
): Promise<DynamoDBBatchResponse> {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return processPartialResponse(
    event,
    async (record: DynamoDBRecord) => {
      const image = record.dynamodb?.NewImage;
      if (record.eventName !== "INSERT") {
        deps.logger.error("the event table changed an existing item; it is append-only", {
          eventName: record.eventName,
          keys: record.dynamodb?.Keys,
        });
        return "skipped";
      }
      if (!image) return "skipped";
      const item = unmarshall(image as Record<string, AttributeValue>);
      if (!isRecordItem(item)) return "skipped";
      const stored = toStoredRecord(item);
      try {
        return await archiveRecord(stored, deps);
      } catch (error) {
        deps.logger.error("archive failed; the record will be retried", {
          stream: stored.stream,
          seq: stored.seq,
          error: errorSummary(error),
        });
        throw error;
      }
    },
    processor,
    { throwOnFullBatchFailure: false },
  );
}

function errorSummary(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { message: String(error) };
}
