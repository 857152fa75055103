import { KMSClient } from "@aws-sdk/client-kms";
import { createS3Client, type LockMode, S3EvidenceArchive } from "../adapters/archive-store.ts";
import { type AwsTarget, clientConfig, targetFromEnv } from "../adapters/aws-config.ts";
import { DynamoEventStore } from "../adapters/event-store.ts";
import { KmsSigner } from "../adapters/signing/kms-signer.ts";
import {
  DEFAULT_RETENTION,
  EVIDENCE_CLASSES,
  type EvidenceClass,
  type RetentionPeriod,
} from "../core/retention.ts";
import type { ArchiveDeps } from "./archive.ts";
import type { ValidateEvent } from "./delivery.ts";
import type { IngestDeps } from "./ingest.ts";
import type { PipelineLogger, PipelineMetrics } from "./telemetry.ts";

/**
 * Environment of the pipeline functions (set by the stack):
 * - `EVENT_TABLE`: the event table's name
 * - `EVIDENCE_BUCKET`: the Object Lock evidence bucket (records/ and quarantine/)
 * - `SIGNING_KEY_ID`: ARN of the ECC_NIST_P256 SIGN_VERIFY key (ingest only)
 * - `OBJECT_LOCK_MODE`: `COMPLIANCE` (default) or `GOVERNANCE`
 * - `RETENTION_DAYS`: JSON such as `{"release":2557,"verification":1096}`; classes left out keep
 *   their defaults
 */
export const PIPELINE_ENV = [
  "EVENT_TABLE",
  "EVIDENCE_BUCKET",
  "SIGNING_KEY_ID",
  "OBJECT_LOCK_MODE",
  "RETENTION_DAYS",
] as const;

/** Raised when a function's environment is incomplete or wrong; names the variable. */
export class PipelineEnvError extends Error {
  override readonly name = "PipelineEnvError";
}

/** The pipeline settings read from a function's environment. */
export interface PipelineEnv {
  readonly target: AwsTarget;
  readonly table: string;
  readonly bucket: string;
  readonly signingKeyId?: string;
  readonly lockMode: LockMode;
  readonly retention: Readonly<Record<EvidenceClass, RetentionPeriod>>;
}

/** Reads and checks the environment; throws {@link PipelineEnvError} naming what is wrong. */
export function readPipelineEnv(env: NodeJS.ProcessEnv = process.env): PipelineEnv {
  const table = required(env, "EVENT_TABLE");
  const bucket = required(env, "EVIDENCE_BUCKET");
  const mode = env.OBJECT_LOCK_MODE ?? "COMPLIANCE";
  if (mode !== "COMPLIANCE" && mode !== "GOVERNANCE") {
    throw new PipelineEnvError(`OBJECT_LOCK_MODE must be COMPLIANCE or GOVERNANCE, not "${mode}"`);
  }
  return {
    target: targetFromEnv(env),
    table,
    bucket,
    ...(env.SIGNING_KEY_ID ? { signingKeyId: env.SIGNING_KEY_ID } : {}),
    lockMode: mode,
    retention: parseRetention(env.RETENTION_DAYS),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new PipelineEnvError(`environment variable ${name} is not set`);
  return value;
}

/** Parses `RETENTION_DAYS` over the defaults. */
export function parseRetention(
  text: string | undefined,
): Readonly<Record<EvidenceClass, RetentionPeriod>> {
  if (!text) return DEFAULT_RETENTION;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PipelineEnvError(`RETENTION_DAYS is not JSON: ${text}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new PipelineEnvError('RETENTION_DAYS must be an object such as {"release":2557}');
  }
  const retention: Record<EvidenceClass, RetentionPeriod> = { ...DEFAULT_RETENTION };
  for (const [name, days] of Object.entries(parsed)) {
    if (!(EVIDENCE_CLASSES as readonly string[]).includes(name)) {
      throw new PipelineEnvError(
        `RETENTION_DAYS names an unknown class "${name}"; classes: ${EVIDENCE_CLASSES.join(", ")}`,
      );
    }
    if (!Number.isSafeInteger(days) || (days as number) < 1) {
      throw new PipelineEnvError(`RETENTION_DAYS.${name} must be a whole number of days`);
    }
    retention[name as EvidenceClass] = { days: days as number };
  }
  return retention;
}

/** Ingest dependencies for a function environment; clients are created here, once. */
export function ingestDepsFromEnv(
  env: PipelineEnv,
  parts: { logger: PipelineLogger; metrics: PipelineMetrics; validate: ValidateEvent },
): IngestDeps {
  if (!env.signingKeyId)
    throw new PipelineEnvError("environment variable SIGNING_KEY_ID is not set");
  return {
    store: DynamoEventStore.forTarget(env.target, env.table),
    quarantine: new S3EvidenceArchive({ client: createS3Client(env.target), bucket: env.bucket }),
    signer: new KmsSigner({
      keyId: env.signingKeyId,
      client: new KMSClient(clientConfig(env.target)),
    }),
    quarantineLock: { mode: env.lockMode, days: env.retention.release.days },
    ...parts,
  };
}

/** Archive dependencies for a function environment. */
export function archiveDepsFromEnv(
  env: PipelineEnv,
  parts: { logger: PipelineLogger; metrics: PipelineMetrics },
): ArchiveDeps {
  return {
    bucket: new S3EvidenceArchive({ client: createS3Client(env.target), bucket: env.bucket }),
    lockMode: env.lockMode,
    retention: env.retention,
    ...parts,
  };
}
