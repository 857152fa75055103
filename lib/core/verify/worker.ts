import { parentPort, workerData } from "node:worker_threads";
import { publicKeyFromSpki } from "../signing/keys.ts";
import { verifyBatch } from "./batch.ts";
import type { BatchRequest, BatchResponse, WorkerSetup } from "./pool.ts";

// A verification worker: parses its key once, then verifies whole batches of lines.
const setup = workerData as WorkerSetup;
const context = { key: setup.spki ? publicKeyFromSpki(setup.spki) : undefined };

parentPort?.on("message", (request: BatchRequest) => {
  let response: BatchResponse;
  try {
    const bytes = new Uint8Array(request.buffer, 0, request.length);
    response = { id: request.id, result: verifyBatch(bytes, context) };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(response);
});
