/**
 * Key schemas and index names shared by the CDK stack and the local plane, so a query written
 * against one works against the other. Item attributes are documented in docs/architecture.md.
 */

/** DynamoDB attribute types used by the keys. */
export type KeyType = "S" | "N";

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexLayout {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

/**
 * The append-only event table. Records: pk = stream, sk = seq. Idempotency markers:
 * pk = `event#<eventId>`, sk = 0. Indexes project every attribute, so a pack is built from an
 * index query alone.
 */
export const EVENT_TABLE_LAYOUT = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "N" },
  indexes: {
    byCommit: {
      name: "byCommit",
      partitionKey: { name: "commit", type: "S" },
      sortKey: { name: "sk", type: "N" },
    },
    byArtifactDigest: {
      name: "byArtifactDigest",
      partitionKey: { name: "artifactDigest", type: "S" },
      sortKey: { name: "sk", type: "N" },
    },
    byDay: {
      name: "byDay",
      partitionKey: { name: "day", type: "S" },
      sortKey: { name: "receivedAt", type: "S" },
    },
  },
} as const satisfies {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  indexes: Record<string, IndexLayout>;
};

/** The mutable pack-jobs table (job status, not evidence): one item per pack id. */
export const PACK_JOBS_TABLE_LAYOUT = {
  partitionKey: { name: "packId", type: "S" },
} as const satisfies { partitionKey: KeyAttribute };

/** Key prefix of quarantined events inside the evidence bucket. */
export const QUARANTINE_PREFIX = "quarantine/";

/** The EventBridge `source` prefix every evidence producer uses. */
export const EVIDENCE_SOURCE_PREFIX = "evidence.";

/** CloudWatch namespace of the plane's own metrics. */
export const METRICS_NAMESPACE = "EvidencePlane";
