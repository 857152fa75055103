/**
 * The module a verification worker thread runs. The standalone verifier's build
 * (scripts/build-verifier.ts) points this at the worker file it writes next to the verifier.
 */
export const VERIFY_WORKER_URL: URL = new URL("./worker.ts", import.meta.url);
