import { createWriteStream } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { LocalSigner } from "../../lib/adapters/signing/local-signer.ts";
import { PackWriter } from "../../lib/core/pack/writer.ts";
import { buildRecord, type StreamHead } from "../../lib/core/records/index.ts";
import type { EvidenceRecord, SignedRecord } from "../../lib/core/records/types.ts";
import { SIGNING_ALGORITHM } from "../../lib/core/signing/keys.ts";
import { recordStatementBytes } from "../../lib/core/statement/index.ts";
import { releaseEventFactory } from "./events.ts";

/** Records per release stream in a benchmark pack. */
export const RECORDS_PER_RELEASE = 1000;
const BATCH = 1000;

interface PendingBatch {
  readonly records: readonly EvidenceRecord[];
  readonly times: readonly string[];
  readonly signatures: Promise<string[]>;
}

/** Signs statements on every core, batch by batch, in order. */
class SignPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, (signatures: string[]) => void>();
  private next = 0;

  constructor(privateKeyPem: string, size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL("./sign-worker.ts", import.meta.url), {
        workerData: privateKeyPem,
      });
      worker.on("message", (reply: { id: number; signatures: string[] }) => {
        this.waiting.get(reply.id)?.(reply.signatures);
        this.waiting.delete(reply.id);
      });
      return worker;
    });
  }

  sign(messages: Uint8Array[]): Promise<string[]> {
    const id = this.next++;
    const worker = this.workers[id % this.workers.length] as Worker;
    const promise = new Promise<string[]>((resolve) => this.waiting.set(id, resolve));
    worker.postMessage({ id, messages });
    return promise;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * Writes a pack of `count` records (releases of 1,000 records built from the example events)
 * signed by `signer`, signing on every core. Progress goes to `onProgress`.
 */
export async function buildBenchPack(options: {
  readonly count: number;
  readonly path: string;
  readonly signer: LocalSigner;
  readonly onProgress: (records: number) => void;
}): Promise<void> {
  const { count, signer } = options;
  const eventFor = releaseEventFactory();
  const pool = new SignPool(signer.privateKeyPem(), availableParallelism());
  const start = Date.parse("2026-03-01T00:00:00.000Z");

  async function* records(): AsyncGenerator<SignedRecord> {
    const queue: PendingBatch[] = [];
    let head: StreamHead | undefined;
    let made = 0;
    const drain = async function* (limit: number): AsyncGenerator<SignedRecord> {
      while (queue.length > limit) {
        const batch = queue.shift() as PendingBatch;
        const signatures = await batch.signatures;
        for (const [index, record] of batch.records.entries()) {
          yield {
            record,
            signature: {
              keyId: signer.keyId,
              algorithm: SIGNING_ALGORITHM,
              signedAt: batch.times[index] as string,
              value: signatures[index] as string,
            },
          };
        }
      }
    };
    while (made < count) {
      const batchRecords: EvidenceRecord[] = [];
      const times: string[] = [];
      const messages: Uint8Array[] = [];
      while (batchRecords.length < BATCH && made < count) {
        const release = Math.floor(made / RECORDS_PER_RELEASE);
        const n = made % RECORDS_PER_RELEASE;
        if (n === 0) head = undefined;
        const releaseId = `bench-${String(release).padStart(5, "0")}@2026.03`;
        const receivedAt = new Date(start + made * 10);
        const { record, digest } = buildRecord({
          event: eventFor(releaseId, n),
          head,
          receivedAt,
          sourceAccount: "111122223333",
          source: "evidence.bench",
        });
        const time = new Date(receivedAt.getTime() + 5).toISOString();
        messages.push(
          recordStatementBytes({
            digest,
            stream: record.stream,
            seq: record.seq,
            time,
            keyId: signer.keyId,
          }),
        );
        batchRecords.push(record);
        times.push(time);
        head = { seq: record.seq, digest };
        made++;
      }
      queue.push({ records: batchRecords, times, signatures: pool.sign(messages) });
      yield* drain(availableParallelism() * 2);
      options.onProgress(made);
    }
    yield* drain(0);
  }

  try {
    const writer = new PackWriter({
      publicKey: signer.publicKeySpki,
      signer,
      scope: { kind: "window", value: "2026-03-01T00:00:00Z/2026-04-01T00:00:00Z" },
      generator: { name: "evidence-plane", version: "bench", identity: "bench/verify" },
    });
    await writer.write(records(), createWriteStream(options.path));
  } finally {
    await pool.close();
  }
}
