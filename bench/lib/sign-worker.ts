import { createPrivateKey, sign } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

// Signs batches of statements with one key: the benchmark's stand-in for KMS Sign.
const key = createPrivateKey(workerData as string);

parentPort?.on("message", (request: { id: number; messages: Uint8Array[] }) => {
  const signatures = request.messages.map((message) =>
    sign("sha256", message, { key, dsaEncoding: "der" }).toString("base64"),
  );
  parentPort?.postMessage({ id: request.id, signatures });
});
