import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { seedRelease } from "../../bench/pack.ts";
import { emulatorTarget } from "../../lib/adapters/aws-config.ts";
import { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import { DEFAULT_CONTROL_MAP } from "../../lib/core/controls/index.ts";
import { verifyPack } from "../../lib/core/verify/verifier.ts";
import {
  LOCAL_PLANE_SETTINGS,
  type PlaneResources,
  provisionPlane,
} from "../../lib/local/provision.ts";
import { assemblePack } from "../../lib/packs/assemble.ts";
import { S3LockedObjects } from "../../lib/packs/bucket.ts";
import { type PackClients, packClients } from "../../lib/packs/env.ts";
import { DynamoEvidenceSource } from "../../lib/packs/evidence-source.ts";
import { resolvePlan } from "../../lib/packs/plan.ts";
import { PackUpload } from "../../lib/packs/upload.ts";
import { uniquePrefix } from "./plane.ts";

const RECORDS = 10_000;
const RELEASE = "scale-service@2026.07.1";
const MB = 1024 * 1024;

describe("a 10,000-record pack", () => {
  // The plane's resources without its pollers: the archive function would otherwise archive
  // the seeded records during the measurement, and its work is not the assembler's.
  let resources: PlaneResources;
  let clients: PackClients;
  const signer = LocalSigner.generate();

  beforeAll(async () => {
    const target = emulatorTarget(inject("emulatorEndpoint"));
    resources = await provisionPlane(target, {
      ...LOCAL_PLANE_SETTINGS,
      prefix: uniquePrefix("scale"),
    });
    clients = packClients(target);
    await seedRelease(
      { client: clients.dynamodb, tableName: resources.table },
      { releaseId: RELEASE, count: RECORDS, signer },
    );
  });

  afterAll(() => {
    for (const client of Object.values(clients ?? {})) client.destroy();
  });

  it("is assembled from the table into the packs bucket with flat memory, and verifies", async () => {
    // Prepare
    const source = new DynamoEvidenceSource({
      client: clients.dynamodb,
      tableName: resources.table,
    });
    const plan = await resolvePlan({ kind: "release", releaseId: RELEASE }, source);
    const upload = new PackUpload({
      client: clients.s3,
      bucket: resources.packsBucket,
      key: "packs/scale.evidence.tar.gz",
      lockMode: "COMPLIANCE",
      retainUntil: new Date(Date.now() + 86_400_000),
    });
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);

    // Act
    let assembled: Awaited<ReturnType<typeof assemblePack>>;
    try {
      assembled = await assemblePack(
        { packId: "pack-scale-1", plan },
        {
          source,
          archive: new S3LockedObjects({
            client: clients.s3,
            bucket: resources.evidenceBucket,
          }),
          signer,
          publicKey: signer.publicKeySpki,
          controlMap: DEFAULT_CONTROL_MAP,
          generator: { name: "evidence-plane", version: "test", identity: "test" },
        },
        upload,
      );
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);

    // Assess: memory grew by far less than the pack's records would take held at once
    const growthMb = (peak - baseline) / MB;
    expect(assembled.records).toBe(RECORDS);
    expect(growthMb).toBeLessThan(150);
    const object = await clients.s3.send(
      new GetObjectCommand({
        Bucket: resources.packsBucket,
        Key: "packs/scale.evidence.tar.gz",
        VersionId: upload.uploaded.versionId,
      }),
    );
    const report = await verifyPack(object.Body as AsyncIterable<Uint8Array>, {
      trustedKey: signer.publicKeySpki,
    });
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(RECORDS);
  });
});
