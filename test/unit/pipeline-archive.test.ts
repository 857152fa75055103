import { describe, expect, it } from "vitest";
import type { StoredRecord } from "../../lib/adapters/event-store.ts";
import { DEFAULT_RETENTION } from "../../lib/core/retention.ts";
import {
  type ArchiveDeps,
  ArchiveMismatchError,
  archiveRecord,
  recordKey,
} from "../../lib/pipeline/archive.ts";
import { quarantineKey } from "../../lib/pipeline/quarantine.ts";
import { reconcileArchive } from "../../lib/pipeline/reconcile.ts";
import { CountingMetrics, SILENT_LOGGER } from "../../lib/pipeline/telemetry.ts";
import { MemoryBucket } from "./pipeline-fakes.ts";

function stored(seq: number, eventType = "deploy.completed", stream = "release/r-1"): StoredRecord {
  return {
    stream,
    seq,
    digest: `sha256:${String(seq).padStart(64, "0")}`,
    receivedAt: "2025-03-01T12:00:00.000Z",
    eventId: `e-${seq}`,
    eventType,
    signed: `{"record":{"seq":${seq}},"signature":{}}`,
  };
}

function deps(bucket: MemoryBucket, metrics = new CountingMetrics()): ArchiveDeps {
  return {
    bucket,
    lockMode: "COMPLIANCE",
    retention: DEFAULT_RETENTION,
    logger: SILENT_LOGGER,
    metrics,
  };
}

describe("recordKey", () => {
  it("spreads streams over hashed prefixes and keeps a stream's records in seq order", () => {
    const keys = [2, 10, 1].map((seq) => recordKey("release/r-42", seq));

    expect(keys[0]).toMatch(/^records\/[0-9a-f]{2}\/release\/r-42\/000000000002\.json$/);
    expect([...keys].sort()).toEqual([1, 2, 10].map((seq) => recordKey("release/r-42", seq)));
    const prefixes = new Set(
      Array.from({ length: 64 }, (_, i) => recordKey(`release/r-${i}`, 1).slice(8, 10)),
    );
    expect(prefixes.size).toBeGreaterThan(30);
  });
});

describe("archiveRecord", () => {
  it("writes the signed record locked until receivedAt plus its class's retention", async () => {
    const bucket = new MemoryBucket();

    const outcome = await archiveRecord(stored(1, "test.completed"), deps(bucket));

    expect(outcome).toBe("archived");
    const object = bucket.objects.get(recordKey("release/r-1", 1));
    expect(bucket.text(recordKey("release/r-1", 1))).toBe(stored(1).signed);
    expect(object?.put.lockMode).toBe("COMPLIANCE");
    expect(object?.put.retainUntil).toEqual(
      new Date(
        Date.parse("2025-03-01T12:00:00.000Z") + DEFAULT_RETENTION.verification.days * 864e5,
      ),
    );
  });

  it("skips an object already written with the same bytes", async () => {
    const bucket = new MemoryBucket();
    const metrics = new CountingMetrics();
    await archiveRecord(stored(1), deps(bucket, metrics));

    const outcome = await archiveRecord(stored(1), deps(bucket, metrics));

    expect(outcome).toBe("already-archived");
    expect(bucket.puts).toBe(1);
    expect(metrics.snapshot()).toMatchObject({ RecordsArchived: 1, RecordsAlreadyArchived: 1 });
  });

  it("never overwrites different bytes at a record's key: it raises and counts a mismatch", async () => {
    const bucket = new MemoryBucket();
    await archiveRecord({ ...stored(1), signed: "{}" }, deps(bucket));

    await expect(archiveRecord(stored(1), deps(bucket))).rejects.toBeInstanceOf(
      ArchiveMismatchError,
    );
    expect(bucket.puts).toBe(1);
  });
});

describe("reconcileArchive", () => {
  it("archives what the bucket lacks, reports mismatches and orphans, rewrites nothing", async () => {
    const bucket = new MemoryBucket();
    await archiveRecord(stored(1), deps(bucket));
    await archiveRecord({ ...stored(2), signed: "{}" }, deps(bucket));
    await bucket.putLocked({
      key: recordKey("release/gone", 1),
      body: Buffer.from("{}"),
      contentType: "application/json",
      lockMode: "COMPLIANCE",
      retainUntil: new Date(),
    });
    await bucket.writeOnce({
      key: quarantineKey("x"),
      body: Buffer.from("{}"),
      lockMode: "COMPLIANCE",
      retainUntil: new Date(),
    });
    const table = [stored(1), stored(2), stored(3), stored(4)];
    bucket.objects.delete(recordKey("release/r-1", 2));
    await archiveRecord({ ...stored(2), signed: "{}" }, deps(bucket));
    const putsBefore = bucket.puts;

    const report = await reconcileArchive(
      {
        records: async function* () {
          yield* table;
        },
        archivedKeys: (prefix) => bucket.keys(prefix),
      },
      deps(bucket),
    );

    expect(report).toEqual({
      records: 4,
      present: 2,
      archived: [recordKey("release/r-1", 3), recordKey("release/r-1", 4)],
      mismatched: [],
      orphans: [recordKey("release/gone", 1)],
    });
    expect(bucket.puts).toBe(putsBefore + 2);
  });

  it("reports a missing object whose key now holds other bytes as mismatched", async () => {
    const bucket = new MemoryBucket();
    const table = [stored(1)];
    const listedBeforeTheWrite: string[] = [];

    const report = await reconcileArchive(
      {
        records: async function* () {
          yield* table;
        },
        // The listing misses the object, which another writer puts in the meantime.
        archivedKeys: async function* () {
          await archiveRecord({ ...stored(1), signed: "{}" }, deps(bucket));
          yield* listedBeforeTheWrite;
        },
      },
      deps(bucket),
    );

    expect(report.mismatched).toEqual([recordKey("release/r-1", 1)]);
    expect(report.archived).toEqual([]);
  });
});
