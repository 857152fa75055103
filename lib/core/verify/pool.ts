import { Worker } from "node:worker_threads";
import { publicKeyFromSpki } from "../signing/keys.ts";
import type { BatchResult } from "./batch.ts";
import { VERIFY_WORKER_URL } from "./worker-url.ts";

/** What a verification worker starts with. */
export interface WorkerSetup {
  /** Trusted public key, DER SPKI; absent when signatures cannot be checked. */
  readonly spki: Uint8Array | undefined;
}

/** One batch sent to a worker: `length` bytes at the start of `buffer` (transferred). */
export interface BatchRequest {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
}

/** A worker's answer; the batch's buffer travels back with it (transferred) to be reused. */
export type BatchResponse = { readonly id: number; readonly buffer: ArrayBuffer } & (
  | { readonly result: BatchResult }
  | { readonly error: string }
);

/** Runs batches of lines; {@link verifyBatch} on this thread or spread over worker threads. */
export interface BatchRunner {
  /**
   * A buffer of at least `bytes` to fill with a batch: one that an earlier batch returned when
   * there is one. Batch buffers go round between the threads instead of becoming garbage, which
   * V8 collects only after tens of megabytes of it have piled up.
   */
  takeBuffer(bytes: number): ArrayBuffer;
  /** Verifies the first `length` bytes of `buffer`, which the runner takes over. */
  run(buffer: ArrayBuffer, length: number): Promise<BatchResult>;
  close(): Promise<void>;
}

/** Buffers handed back by finished batches, ready for the next ones. */
class BufferRecycler {
  private readonly free: ArrayBuffer[] = [];
  private readonly minBytes: number;
  private readonly maxKept: number;

  constructor(minBytes: number, maxKept: number) {
    this.minBytes = minBytes;
    this.maxKept = maxKept;
  }

  take(bytes: number): ArrayBuffer {
    const reused = this.free.pop();
    if (reused && reused.byteLength >= bytes) return reused;
    return new ArrayBuffer(Math.max(bytes, this.minBytes));
  }

  give(buffer: ArrayBuffer): void {
    if (this.free.length < this.maxKept && buffer.byteLength >= this.minBytes) {
      this.free.push(buffer);
    }
  }
}

/**
 * Runs batches on the calling thread: no worker start-up, for small packs and tests. The batch
 * code (and the event schemas it compiles) loads on first use, so a thread that hands all
 * batches to workers never pays for it.
 */
export function inlineRunner(spki: Uint8Array | undefined, bufferBytes: number): BatchRunner {
  const context = { key: spki ? publicKeyFromSpki(spki) : undefined };
  const batch = import("./batch.ts");
  const buffers = new BufferRecycler(bufferBytes, 2);
  return {
    takeBuffer: (bytes) => buffers.take(bytes),
    run: async (buffer, length) => {
      try {
        return (await batch).verifyBatch(new Uint8Array(buffer, 0, length), context);
      } finally {
        buffers.give(buffer);
      }
    },
    close: async () => undefined,
  };
}

interface Pending {
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A worker's live heap stays near 30 MB whatever the pack size; without a ceiling V8 lets a busy
 * thread's heap grow far past that before collecting, which is what made peak RSS grow with the
 * number of records. A larger young generation saves no measurable CPU: over 1,000,000 records with
 * two workers, 8, 16, 24 and 32 MB took 80.5, 80.0, 82.0 and 81.3 CPU seconds and peaked at 158,
 * 174, 176 and 204 MB.
 */
const WORKER_HEAP_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

/**
 * A fixed pool of worker threads, each with its own parsed key. A batch goes to the worker with
 * the fewest batches outstanding; its bytes are transferred, not copied, and come back with the
 * result to carry a later batch.
 */
export class WorkerPool implements BatchRunner {
  private readonly workers: Worker[] = [];
  private readonly buffers: BufferRecycler;
  private readonly outstanding: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  /**
   * @param bufferBytes the size of batch buffers (a larger batch gets a buffer of its own size)
   * @param inFlight batches the caller keeps outstanding at most: buffers kept for reuse
   */
  constructor(
    size: number,
    spki: Uint8Array | undefined,
    options: { bufferBytes: number; inFlight: number },
  ) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`a worker pool needs at least one worker, got ${size}`);
    }
    this.buffers = new BufferRecycler(options.bufferBytes, options.inFlight + 1);
    const setup: WorkerSetup = { spki };
    for (let index = 0; index < size; index++) {
      const worker = new Worker(VERIFY_WORKER_URL, {
        workerData: setup,
        resourceLimits: WORKER_HEAP_LIMITS,
      });
      worker.on("message", (response: BatchResponse) => this.settle(index, response));
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => {
        if (code !== 0)
          this.fail(new Error(`a verification worker stopped with exit code ${code}`));
      });
      this.workers.push(worker);
      this.outstanding.push(0);
    }
  }

  takeBuffer(bytes: number): ArrayBuffer {
    return this.buffers.take(bytes);
  }

  run(buffer: ArrayBuffer, length: number): Promise<BatchResult> {
    if (this.failure) return Promise.reject(this.failure);
    let index = 0;
    for (let i = 1; i < this.workers.length; i++) {
      if ((this.outstanding[i] ?? 0) < (this.outstanding[index] ?? 0)) index = i;
    }
    const id = this.nextId++;
    const request: BatchRequest = { id, buffer, length };
    const promise = new Promise<BatchResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    this.outstanding[index] = (this.outstanding[index] ?? 0) + 1;
    this.workers[index]?.postMessage(request, [buffer]);
    return promise;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(index: number, response: BatchResponse): void {
    this.outstanding[index] = (this.outstanding[index] ?? 1) - 1;
    this.buffers.give(response.buffer);
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    if ("error" in response) pending.reject(new Error(`verification worker: ${response.error}`));
    else pending.resolve(response.result);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
