import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createS3Client, S3EvidenceArchive } from "../adapters/archive-store.ts";
import { clientConfig, emulatorTarget } from "../adapters/aws-config.ts";
import { DynamoEventStore } from "../adapters/event-store.ts";
import { SqsQueue } from "../adapters/queue.ts";
import type { LocalEndpoints } from "./endpoints.ts";
import type { StatusSources } from "./status.ts";

/** Clients of a running local plane, from its endpoints file. */
export interface PlaneConnection extends StatusSources {
  close(): void;
}

/** Connects to the local plane described by `endpoints`. */
export function connectToPlane(endpoints: LocalEndpoints): PlaneConnection {
  const target = emulatorTarget(endpoints.awsEndpoint, endpoints.region);
  const dynamodb = new DynamoDBClient(clientConfig(target));
  const s3 = createS3Client(target);
  const sqs = new SQSClient(clientConfig(target));
  return {
    store: new DynamoEventStore({ client: dynamodb, tableName: endpoints.table }),
    bucket: new S3EvidenceArchive({ client: s3, bucket: endpoints.evidenceBucket }),
    ingestQueue: new SqsQueue({ client: sqs, url: endpoints.ingestQueueUrl }),
    ingestDlq: new SqsQueue({ client: sqs, url: endpoints.ingestDlqUrl }),
    archiveFailures: new SqsQueue({ client: sqs, url: endpoints.archiveFailureQueueUrl }),
    close() {
      dynamodb.destroy();
      s3.destroy();
      sqs.destroy();
    },
  };
}
