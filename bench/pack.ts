import { spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BatchWriteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { emulatorTarget } from "../lib/adapters/aws-config.ts";
import { LocalSigner } from "../lib/adapters/signing/local-signer.ts";
import type { JsonObject } from "../lib/core/canonical/index.ts";
import { DEFAULT_CONTROL_MAP } from "../lib/core/controls/index.ts";
import { readLines } from "../lib/core/pack/reader.ts";
import { buildRecord, type StreamHead, signRecord } from "../lib/core/records/index.ts";
import { demoRelease } from "../lib/local/demo-release.ts";
import { startEmulator } from "../lib/local/emulator/index.ts";
import { LOCAL_PLANE_SETTINGS, provisionPlane } from "../lib/local/provision.ts";
import { assemblePack } from "../lib/packs/assemble.ts";
import { S3LockedObjects } from "../lib/packs/bucket.ts";
import { packClients } from "../lib/packs/env.ts";
import {
  DynamoEvidenceSource,
  type EvidenceSource,
  type RecordLocation,
  type StoredLine,
} from "../lib/packs/evidence-source.ts";
import { resolvePlan } from "../lib/packs/plan.ts";
import { PackUpload } from "../lib/packs/upload.ts";
import { recordItem } from "../lib/pipeline/ingest.ts";

/**
 * `npm run bench -- pack [--records N] [--release ID] [--heap-mb M]`: seeds a store of N records on the local
 * emulator (items written in bulk, in the format ingest writes, signed with a local key) and
 * assembles a release pack from it in a child process: table pages in, each record's archive
 * state listed, report and manifest built, the pack streamed to the packs bucket by multipart
 * upload. Prints {"bench":"pack","records":..,"recordsPerSec":..,"peakRssMb":..}; the goal is
 * a peak RSS of at most 256 MB whatever N. The emulator answers each table page by reading the
 * whole table, so `fromFile` repeats the assembly with the same records replayed from a file:
 * the assembler's own rate (the archive listing and the pack upload still go to the emulator).
 * There V8 collects garbage lazily at that allocation rate, and RSS shows it; `--heap-mb M` runs
 * both assemblies with a heap of M MB (as a Lambda function's memory bounds its heap), which
 * shows how little the assembly keeps.
 */

/** Where seeded records go: the event table. */
export interface SeedTarget {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/**
 * Writes `count` signed records of one release into the event table, as the ingest writes them
 * (records only: the archive is not seeded), `concurrency` batches of 25 at a time. Events cycle
 * through a real release's events with unique ids, one millisecond apart from `start`.
 */
export async function seedRelease(
  target: SeedTarget,
  options: {
    readonly releaseId: string;
    readonly count: number;
    readonly signer: LocalSigner;
    readonly start?: Date;
    readonly concurrency?: number;
    readonly onProgress?: (written: number) => void;
    /** Also writes each record as a line `{"seq":..,"signed":..}` to this file. */
    readonly copyTo?: string;
  },
): Promise<void> {
  const copy = options.copyTo ? createWriteStream(options.copyTo) : undefined;
  const templates = demoRelease({ releaseId: options.releaseId });
  const start = (options.start ?? new Date("2026-06-01T08:00:00.000Z")).getTime();
  let head: StreamHead | undefined;
  let batch: Record<string, unknown>[] = [];
  const running = new Set<Promise<void>>();
  let written = 0;
  const send = async (items: Record<string, unknown>[]) => {
    let pending = items.map((item) => ({ PutRequest: { Item: marshall(item) } }));
    while (pending.length > 0) {
      const out = await target.client.send(
        new BatchWriteItemCommand({ RequestItems: { [target.tableName]: pending } }),
      );
      pending = (out.UnprocessedItems?.[target.tableName] ?? []) as typeof pending;
    }
    written += items.length;
    options.onProgress?.(written);
  };
  for (let i = 0; i < options.count; i++) {
    const template = templates[i % templates.length] as JsonObject;
    const event = { ...template, id: `${String(template.id).slice(0, 100)}:${i}` } as JsonObject;
    const receivedAt = new Date(start + i);
    const built = buildRecord({
      event: event as never,
      head,
      receivedAt,
      sourceAccount: "123456789012",
      source: "evidence.bench",
    });
    head = { seq: built.record.seq, digest: built.digest };
    const signed = await signRecord(built.record, options.signer, receivedAt, built.digest);
    const item = recordItem(event as never, signed, built.digest);
    if (copy && !copy.write(`${JSON.stringify({ seq: item.seq, signed: item.signed })}\n`)) {
      await once(copy, "drain");
    }
    batch.push({ ...item, pk: item.stream, sk: item.seq, day: item.receivedAt.slice(0, 10) });
    if (batch.length === 25 || i === options.count - 1) {
      const task = send(batch).finally(() => running.delete(task));
      running.add(task);
      batch = [];
      if (running.size >= (options.concurrency ?? 4)) await Promise.race(running);
    }
  }
  await Promise.all(running);
  if (copy) {
    copy.end();
    await once(copy, "close");
  }
}

/**
 * One release's records replayed from a file written by {@link seedRelease}: the assembler's
 * own cost, without the emulator's (whose queries read the whole table for every page).
 */
class FileSource implements EvidenceSource {
  private readonly file: string;
  private readonly stream: string;
  private readonly count: number;

  constructor(file: string, stream: string, count: number) {
    this.file = file;
    this.stream = stream;
    this.count = count;
  }

  async readHead(stream: string) {
    return stream === this.stream
      ? { seq: this.count, digest: `sha256:${"0".repeat(64)}` as const }
      : undefined;
  }

  async *byIndex(): AsyncIterable<RecordLocation> {}

  async *receivedBetween(): AsyncIterable<RecordLocation> {}

  async *streamRange(stream: string, fromSeq: number, toSeq: number): AsyncIterable<StoredLine> {
    if (stream !== this.stream) return;
    // Pulled a chunk at a time (readline's iterator reads ahead of its consumer).
    const lines = readLines(createReadStream(this.file, { highWaterMark: 256 * 1024 }));
    for await (const line of lines) {
      const stored = JSON.parse(line.toString("utf8")) as StoredLine;
      if (stored.seq >= fromSeq && stored.seq <= toSeq) yield stored;
    }
  }
}

interface ChildSettings {
  readonly endpoint: string;
  readonly table: string;
  readonly evidenceBucket: string;
  readonly packsBucket: string;
  readonly releaseId: string;
  readonly keyFile: string;
  /** Replay the records from this file instead of querying the table. */
  readonly linesFile?: string;
  readonly count: number;
}

interface ChildResult {
  readonly records: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly bytes: number;
}

/** The assembly, in its own process so its peak RSS is its own. */
async function child(settings: ChildSettings): Promise<ChildResult> {
  const { readFileSync } = await import("node:fs");
  const signer = LocalSigner.fromPrivateKeyPem(readFileSync(settings.keyFile, "utf8"));
  const target = emulatorTarget(settings.endpoint);
  const clients = packClients(target);
  const source: EvidenceSource = settings.linesFile
    ? new FileSource(settings.linesFile, `release/${settings.releaseId}`, settings.count)
    : new DynamoEvidenceSource({ client: clients.dynamodb, tableName: settings.table });
  const started = performance.now();
  const plan = await resolvePlan({ kind: "release", releaseId: settings.releaseId }, source);
  const upload = new PackUpload({
    client: clients.s3,
    bucket: settings.packsBucket,
    key: `packs/bench-${Date.now()}.evidence.tar.gz`,
    lockMode: "GOVERNANCE",
    retainUntil: new Date(Date.now() + 86_400_000),
  });
  const assembled = await assemblePack(
    { packId: `bench-${Date.now()}`, plan },
    {
      source,
      archive: new S3LockedObjects({ client: clients.s3, bucket: settings.evidenceBucket }),
      signer,
      publicKey: signer.publicKeySpki,
      controlMap: DEFAULT_CONTROL_MAP,
      generator: { name: "evidence-plane", version: "bench", identity: "bench" },
    },
    upload,
    ({ records, total }) => {
      if (records % 10_000 === 0)
        process.stderr.write(`bench pack:   ${records} of ${total} records\n`);
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    records: assembled.records,
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    bytes: upload.uploaded.bytes,
  };
}

function log(message: string): void {
  process.stderr.write(`bench pack: ${message}\n`);
}

async function runChild(settings: ChildSettings, heapMb: number | undefined): Promise<ChildResult> {
  const script = fileURLToPath(import.meta.url);
  const flags = heapMb ? [`--max-old-space-size=${heapMb}`] : [];
  const process_ = spawn(
    process.execPath,
    [...flags, script, "--child", JSON.stringify(settings)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let output = "";
  process_.stdout.setEncoding("utf8");
  process_.stdout.on("data", (chunk: string) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => process_.on("close", resolve));
  if (code !== 0) throw new Error(`the assembly child exited with ${code}`);
  return JSON.parse(output) as ChildResult;
}

export default async function packBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: "string", default: "100000" },
      release: { type: "string", default: "bench-service@2026.06.1" },
      "heap-mb": { type: "string" },
    },
  });
  const heapMb = values["heap-mb"] === undefined ? undefined : Number(values["heap-mb"]);
  if (heapMb !== undefined && (!Number.isSafeInteger(heapMb) || heapMb < 16)) {
    throw new Error("--heap-mb takes a whole number of megabytes (16 or more)");
  }
  const count = Number(values.records);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error("--records takes a positive whole number");
  }
  const emulator = await startEmulator({ onProgress: log });
  const dir = mkdtempSync(join(tmpdir(), "bench-pack-"));
  try {
    const target = emulatorTarget(emulator.endpoint);
    const resources = await provisionPlane(target, {
      ...LOCAL_PLANE_SETTINGS,
      prefix: "bench-pack",
    });
    const clients = packClients(target);
    const signer = LocalSigner.generate();
    const keyFile = join(dir, "key.pem");
    writeFileSync(keyFile, signer.privateKeyPem());
    const linesFile = join(dir, "records.jsonl");
    log(`seeding ${count.toLocaleString("en-US")} records into ${resources.table}`);
    const seedStart = performance.now();
    let reported = 0;
    await seedRelease(
      { client: clients.dynamodb, tableName: resources.table },
      {
        releaseId: values.release,
        count,
        signer,
        copyTo: linesFile,
        onProgress: (written) => {
          if (written - reported >= Math.max(5000, count / 10) || written === count) {
            reported = written;
            log(`  ${written.toLocaleString("en-US")} written`);
          }
        },
      },
    );
    log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
    const settings: ChildSettings = {
      endpoint: emulator.endpoint,
      table: resources.table,
      evidenceBucket: resources.evidenceBucket,
      packsBucket: resources.packsBucket,
      releaseId: values.release,
      keyFile,
      count,
    };
    log("assembling from the emulator's table in a child process");
    const result = await runChild(settings, heapMb);
    log("assembling from a file of the same records in a child process (no emulator queries)");
    const own = await runChild({ ...settings, linesFile }, heapMb);
    process.stdout.write(
      `${JSON.stringify({
        bench: "pack",
        records: result.records,
        recordsPerSec: Math.round(result.records / result.seconds),
        peakRssMb: Number(result.peakRssMb.toFixed(1)),
        goalPeakRssMb: 256,
        heapCapMb: heapMb ?? null,
        withinGoal: result.peakRssMb <= 256,
        seconds: Number(result.seconds.toFixed(2)),
        packMb: Number((result.bytes / 1e6).toFixed(1)),
        fromFile: {
          recordsPerSec: Math.round(own.records / own.seconds),
          peakRssMb: Number(own.peakRssMb.toFixed(1)),
          seconds: Number(own.seconds.toFixed(2)),
        },
      })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emulator.stop();
  }
}

if (import.meta.main && process.argv[2] === "--child") {
  const result = await child(JSON.parse(process.argv[3] ?? "{}") as ChildSettings);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
