import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type ScanCommandInput,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { scanTable } from "../adapters/table-scan.ts";
import type { LegalHoldScope } from "../core/events/index.ts";
import type { RequestScope } from "./scope.ts";

/** Where a pack request is. */
export type PackStatus = "queued" | "assembling" | "ready" | "failed";

/** The stored pack, once ready. */
export interface PackResult {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly bytes: number;
  readonly packDigest: string;
  readonly manifestDigest: string;
  readonly records: number;
  readonly streams: number;
  readonly releases: readonly string[];
  readonly generatedAt: string;
}

/** A pack request and its progress (mutable status, not evidence). */
export interface PackJob {
  readonly packId: string;
  readonly kind: "pack";
  readonly status: PackStatus;
  readonly scope: RequestScope;
  readonly requestedBy: string;
  readonly requestReference?: string;
  readonly requestedAt: string;
  readonly updatedAt: string;
  readonly attempts: number;
  readonly progress?: { readonly records: number; readonly total: number };
  readonly result?: PackResult;
  readonly error?: string;
}

/** Where a legal hold is: being applied, in force, being released, released. */
export type HoldStatus = "applying" | "applied" | "releasing" | "released";

/** A legal hold's state (the evidence of it is the legal-hold.* events). */
export interface LegalHoldState {
  readonly caseId: string;
  readonly kind: "legal-hold";
  readonly status: HoldStatus;
  readonly scope: LegalHoldScope;
  readonly reason: string;
  readonly appliedBy: string;
  readonly appliedAt: string;
  readonly releasedBy?: string;
  readonly releasedAt?: string;
  readonly releaseReason?: string;
  /** Object versions placed under hold (or lifted) so far. */
  readonly versions: number;
  readonly updatedAt: string;
}

const HOLD_PREFIX = "legal-hold#";

/** Raised when a state change lost to another writer or is not allowed from the current state. */
export class JobStateError extends Error {
  override readonly name = "JobStateError";
}

/**
 * The pack-jobs table: one item per pack request (key `packId`) and one per legal-hold case
 * (key `legal-hold#<caseId>`). Status changes are conditional updates; nothing is deleted.
 */
export class PackJobs {
  readonly client: DynamoDBClient;
  readonly tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async create(job: PackJob): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(job, { removeUndefinedValues: true }),
        ConditionExpression: "attribute_not_exists(packId)",
      }),
    );
  }

  async get(packId: string): Promise<PackJob | undefined> {
    const item = await this.getItem(packId);
    return item?.kind === "pack" ? (item as unknown as PackJob) : undefined;
  }

  /** Marks a job assembling (again, after a failed attempt); undefined when it is ready already. */
  async startAssembly(packId: string, now: Date): Promise<PackJob | undefined> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ packId }),
          UpdateExpression:
            "SET #s = :assembling, updatedAt = :now, attempts = attempts + :one REMOVE #e, progress",
          ConditionExpression: "kind = :pack AND #s <> :ready",
          ExpressionAttributeNames: { "#s": "status", "#e": "error" },
          ExpressionAttributeValues: marshall({
            ":assembling": "assembling",
            ":ready": "ready",
            ":pack": "pack",
            ":now": now.toISOString(),
            ":one": 1,
          }),
          ReturnValues: "ALL_NEW",
        }),
      );
      return out.Attributes ? (unmarshall(out.Attributes) as PackJob) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async progress(packId: string, progress: PackJob["progress"], now: Date): Promise<void> {
    await this.client
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ packId }),
          UpdateExpression: "SET progress = :p, updatedAt = :now",
          ConditionExpression: "#s = :assembling",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: marshall({
            ":p": progress,
            ":now": now.toISOString(),
            ":assembling": "assembling",
          }),
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  async ready(packId: string, result: PackResult, now: Date): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall({ packId }),
        UpdateExpression: "SET #s = :ready, #r = :result, updatedAt = :now REMOVE #e",
        ExpressionAttributeNames: { "#s": "status", "#r": "result", "#e": "error" },
        ExpressionAttributeValues: marshall(
          { ":ready": "ready", ":result": result, ":now": now.toISOString() },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }

  async failed(packId: string, error: string, now: Date): Promise<void> {
    await this.client
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ packId }),
          UpdateExpression: "SET #s = :failed, #e = :error, updatedAt = :now",
          ConditionExpression: "#s <> :ready",
          ExpressionAttributeNames: { "#s": "status", "#e": "error" },
          ExpressionAttributeValues: marshall({
            ":failed": "failed",
            ":ready": "ready",
            ":error": error.slice(0, 2000),
            ":now": now.toISOString(),
          }),
        }),
      )
      .catch((caught: unknown) => {
        if (!(caught instanceof ConditionalCheckFailedException)) throw caught;
      });
  }

  /** Every ready pack (for legal holds over the packs of a scope). */
  async *readyPacks(): AsyncGenerator<PackJob> {
    for await (const item of this.scan({
      FilterExpression: "kind = :pack AND #s = :ready",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: marshall({ ":pack": "pack", ":ready": "ready" }),
    })) {
      yield item as unknown as PackJob;
    }
  }

  async getHold(caseId: string): Promise<LegalHoldState | undefined> {
    const item = await this.getItem(`${HOLD_PREFIX}${caseId}`);
    return item?.kind === "legal-hold" ? (item as unknown as LegalHoldState) : undefined;
  }

  /**
   * Starts applying a hold: creates the case, or takes it over again when it was released
   * earlier. Returns the current state when the case is already applying or applied (a repeat
   * call continues it), and refuses a case in the middle of its release.
   */
  async beginHold(hold: LegalHoldState): Promise<LegalHoldState> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(
            { packId: `${HOLD_PREFIX}${hold.caseId}`, ...hold },
            {
              removeUndefinedValues: true,
            },
          ),
          ConditionExpression: "attribute_not_exists(packId) OR #s = :released",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: marshall({ ":released": "released" }),
        }),
      );
      return hold;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.getHold(hold.caseId);
      if (!current) throw error;
      return current;
    }
  }

  /** Moves a hold to `status`, adding `versions`, if it is in one of `from`. */
  async holdStatus(
    caseId: string,
    from: readonly HoldStatus[],
    status: HoldStatus,
    changes: {
      versions?: number;
      releasedBy?: string;
      releaseReason?: string;
      releasedAt?: string;
    },
    now: Date,
  ): Promise<LegalHoldState> {
    const names: Record<string, string> = { "#s": "status" };
    const values: Record<string, unknown> = { ":to": status, ":now": now.toISOString() };
    from.forEach((s, i) => {
      values[`:f${i}`] = s;
    });
    const sets = ["#s = :to", "updatedAt = :now"];
    if (changes.versions !== undefined) {
      sets.push("versions = :v");
      values[":v"] = changes.versions;
    }
    for (const key of ["releasedBy", "releaseReason", "releasedAt"] as const) {
      if (changes[key] !== undefined) {
        sets.push(`${key} = :${key}`);
        values[`:${key}`] = changes[key];
      }
    }
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ packId: `${HOLD_PREFIX}${caseId}` }),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: `#s IN (${from.map((_, i) => `:f${i}`).join(", ")})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
          ReturnValues: "ALL_NEW",
        }),
      );
      return unmarshall(out.Attributes ?? {}) as LegalHoldState;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new JobStateError(`legal hold ${caseId} is no longer ${from.join(" or ")}`);
      }
      throw error;
    }
  }

  /** Every hold in force or being applied (for releases that must keep other cases' holds). */
  async *activeHolds(): AsyncGenerator<LegalHoldState> {
    for await (const item of this.scan({
      FilterExpression: "kind = :hold AND #s IN (:applying, :applied, :releasing)",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: marshall({
        ":hold": "legal-hold",
        ":applying": "applying",
        ":applied": "applied",
        ":releasing": "releasing",
      }),
    })) {
      yield item as unknown as LegalHoldState;
    }
  }

  private async getItem(packId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall({ packId }),
        ConsistentRead: true,
      }),
    );
    return out.Item ? unmarshall(out.Item) : undefined;
  }

  private scan(input: Omit<ScanCommandInput, "TableName">) {
    return scanTable(this.client, this.tableName, input);
  }
}
