import { parentPort, workerData } from "node:worker_threads";
import { publicKeyFromSpki } from "../signing/keys.ts";
import { verifyBatch } from "./batch.ts";
import type { BatchRequest, BatchResponse, WorkerSetup } from "./pool.ts";

// A verification worker: parses its key once, then verifies whole batches of lines.
const setup = workerData as WorkerSetup;
const context = { key: setup.spki ? publicKeyFromSpki(setup.spki) : undefined };

parentPort?.on("message", (request: BatchRequest) => {
  const { id, buffer } = request;
  let response: BatchResponse;
  try {
    response = {
      id,
      buffer,
      result: verifyBatch(new Uint8Array(buffer, 0, request.length), context),
    };
  } catch (error) {
    response = { id, buffer, error: error instanceof Error ? error.message : String(error) };
  }
  // The buffer goes back to the main thread for the next batch.
  parentPort?.postMessage(response, [buffer]);
});
