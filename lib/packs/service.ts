import { randomBytes } from "node:crypto";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { LockMode } from "../adapters/archive-store.ts";
import type { ControlMap } from "../core/controls/index.ts";
import type { KeyedSigner } from "../core/signing/keys.ts";
import { type AssemblyProgress, assemblePack } from "./assemble.ts";
import type { LockedObjects } from "./bucket.ts";
import { PackServiceError } from "./errors.ts";
import { type EvidenceRecorder, packGeneratedEntry } from "./evidence-events.ts";
import type { EvidenceSource } from "./evidence-source.ts";
import type { PackJob, PackJobs, PackResult } from "./jobs.ts";
import { resolvePlan } from "./plan.ts";
import { describeScope, type RequestScope } from "./scope.ts";
import { PackUpload } from "./upload.ts";

/** The signing key: signs manifests and gives its public half for the pack. */
export interface PackSigner extends KeyedSigner {
  publicKey(): Promise<{ readonly spki: Uint8Array }>;
}

/** Everything the pack service needs, built once per function from its environment. */
export interface PackServiceDeps {
  readonly source: EvidenceSource;
  readonly jobs: PackJobs;
  /** The pack-requests queue the assembler consumes. */
  readonly requests: { send(body: string): Promise<void> };
  readonly evidence: LockedObjects;
  readonly packs: LockedObjects;
  /** The S3 client of the packs bucket (uploads and presigned links). */
  readonly s3: S3Client;
  readonly recorder: EvidenceRecorder;
  readonly signer: PackSigner;
  readonly controlMap: ControlMap;
  readonly lockMode: LockMode;
  /** Days a pack stays under Object Lock (the governance evidence class). */
  readonly packRetentionDays: number;
  readonly version: string;
  /** Seconds a download link works. @default 300 */
  readonly downloadSeconds?: number;
  readonly clock?: () => Date;
  /** Folder for spooling during assembly (Lambda: /tmp). */
  readonly spoolDir?: string;
}

/** A pack request body: the scope, and the audit request it answers. */
export interface PackRequest {
  readonly scope: RequestScope;
  readonly requestReference?: string;
}

/** A new, unguessable pack id: `pack-20260320-<20 hex>`. */
export function newPackId(now: Date): string {
  return `pack-${now.toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(10).toString("hex")}`;
}

/** The object key of a pack in the packs bucket. */
export function packKey(packId: string): string {
  return `packs/${packId}.evidence.tar.gz`;
}

/** The message the assembler receives for a pack request. */
export interface AssemblyMessage {
  readonly packId: string;
}

/**
 * Records a pack request (queued) and queues its assembly. A release that has no evidence is
 * refused at once; other scopes are resolved by the assembler, which reports what it found.
 */
export async function requestPack(
  request: PackRequest,
  caller: string,
  deps: PackServiceDeps,
): Promise<PackJob> {
  const clock = deps.clock ?? (() => new Date());
  if (request.scope.kind === "release") {
    const head = await deps.source.readHead(`release/${request.scope.releaseId}`);
    if (!head) {
      throw new PackServiceError(
        "nothing-in-scope",
        `no evidence is recorded for ${describeScope(request.scope)}; check the release id and that its events were accepted`,
      );
    }
  }
  const now = clock();
  const job: PackJob = {
    packId: newPackId(now),
    kind: "pack",
    status: "queued",
    scope: request.scope,
    requestedBy: caller,
    ...(request.requestReference ? { requestReference: request.requestReference } : {}),
    requestedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    attempts: 0,
  };
  await deps.jobs.create(job);
  const message: AssemblyMessage = { packId: job.packId };
  await deps.requests.send(JSON.stringify(message));
  return job;
}

/** A pack request's status, or a not-found error. */
export async function packStatus(packId: string, deps: PackServiceDeps): Promise<PackJob> {
  const job = await deps.jobs.get(packId);
  if (!job) {
    throw new PackServiceError(
      "not-found",
      `there is no pack ${packId}; request one with POST /packs`,
    );
  }
  return job;
}

/** A short-lived presigned link to the pack's exact version. */
export async function downloadLink(
  packId: string,
  deps: PackServiceDeps,
): Promise<{ url: string; expiresAt: string; result: PackResult }> {
  const job = await packStatus(packId, deps);
  if (job.status !== "ready" || !job.result) {
    throw new PackServiceError(
      "not-ready",
      job.status === "failed"
        ? `pack ${packId} failed: ${job.error ?? "unknown error"}; request a new pack`
        : `pack ${packId} is ${job.status}; poll GET /packs/${packId} until it is ready`,
    );
  }
  const seconds = deps.downloadSeconds ?? 300;
  const { result } = job;
  const url = await getSignedUrl(
    deps.s3,
    new GetObjectCommand({
      Bucket: result.bucket,
      Key: result.key,
      ...(result.versionId ? { VersionId: result.versionId } : {}),
    }),
    { expiresIn: seconds },
  );
  const now = (deps.clock ?? (() => new Date()))();
  return { url, expiresAt: new Date(now.getTime() + seconds * 1000).toISOString(), result };
}

/**
 * Assembles a queued pack: resolves its scope, streams it into the packs bucket under Object
 * Lock, records pack.generated on the evidence bus and marks the job ready. A pack already
 * ready is left alone (a redelivered message). Failures mark the job failed and are thrown,
 * so the queue retries; a scope with nothing in it fails without a retry.
 */
export async function runAssembly(
  message: AssemblyMessage,
  actor: string,
  deps: PackServiceDeps,
): Promise<PackJob | undefined> {
  const clock = deps.clock ?? (() => new Date());
  const job = await deps.jobs.startAssembly(message.packId, clock());
  if (!job) return undefined;
  try {
    const plan = await resolvePlan(job.scope, deps.source);
    const { spki } = await deps.signer.publicKey();
    const now = clock();
    const upload = new PackUpload({
      client: deps.s3,
      bucket: deps.packs.bucket,
      key: packKey(job.packId),
      lockMode: deps.lockMode,
      retainUntil: new Date(now.getTime() + deps.packRetentionDays * 86_400_000),
      metadata: { packid: job.packId, scope: describeScope(job.scope).slice(0, 512) },
    });
    let reported = 0;
    const progress = (p: AssemblyProgress) => {
      const at = Date.now();
      if (at - reported < 2000 && p.records < p.total) return;
      reported = at;
      deps.jobs.progress(job.packId, p, clock()).catch(() => undefined);
    };
    const assembled = await assemblePack(
      {
        packId: job.packId,
        plan,
        requestedBy: job.requestedBy,
        ...(job.requestReference ? { requestReference: job.requestReference } : {}),
      },
      {
        source: deps.source,
        archive: deps.evidence,
        signer: deps.signer,
        publicKey: spki,
        controlMap: deps.controlMap,
        generator: { name: "evidence-plane", version: deps.version, identity: actor },
        clock,
        ...(deps.spoolDir ? { spoolDir: deps.spoolDir } : {}),
      },
      upload,
      progress,
    );
    const stored = upload.uploaded;
    await deps.recorder.put([
      packGeneratedEntry({
        packId: job.packId,
        scope: job.scope,
        packDigest: stored.digest,
        records: assembled.records,
        requestedBy: job.requestedBy,
        ...(job.requestReference ? { requestReference: job.requestReference } : {}),
        generatedAt: assembled.generatedAt,
        actor,
      }),
    ]);
    const result: PackResult = {
      bucket: stored.bucket,
      key: stored.key,
      ...(stored.versionId ? { versionId: stored.versionId } : {}),
      bytes: stored.bytes,
      packDigest: stored.digest,
      manifestDigest: assembled.manifestDigest,
      records: assembled.records,
      streams: assembled.manifest.streams.length,
      releases: plan.releases,
      generatedAt: assembled.generatedAt.toISOString(),
    };
    await deps.jobs.ready(job.packId, result, clock());
    return { ...job, status: "ready", result };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await deps.jobs.failed(job.packId, reason, clock());
    if (error instanceof PackServiceError) return { ...job, status: "failed", error: reason };
    throw error;
  }
}
