/**
 * `npm run build:verifier [-- --out DIR]`: builds the standalone offline verifier, the
 * `evidence-verify` command as plain JavaScript that runs on Node 22 with nothing installed:
 *
 *   DIR/evidence-verify.mjs          the command (bin/evidence-verify.ts and what it imports)
 *   DIR/evidence-verify-worker.mjs   the verification worker it starts on every core
 *
 * An auditor copies the two files and runs `node evidence-verify.mjs PACK --public-key KEY`. The
 * build is deterministic, so anyone can rebuild it from the same commit and compare the
 * SHA-256 digests it prints. Run from JavaScript rather than TypeScript, the verifier also skips
 * Node's type stripper, which every thread would otherwise load (about 9 MB each).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build, type Plugin } from "esbuild";
import { BUNDLE_SETTINGS, PROJECT_ROOT } from "../lib/infra/bundling.ts";

/** Where `npm run build:verifier` writes by default. */
export const DEFAULT_VERIFIER_DIR = join(PROJECT_ROOT, "dist", "verifier");

export const VERIFIER_FILE = "evidence-verify.mjs";
export const VERIFIER_WORKER_FILE = "evidence-verify-worker.mjs";

/** One file the build wrote. */
export interface BuiltFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The worker module's location, rewritten to the worker file written next to the verifier. */
const workerNextToVerifier: Plugin = {
  name: "verify-worker-url",
  setup(builder) {
    builder.onResolve({ filter: /[/\\]worker-url\.ts$/ }, () => ({
      path: "worker-url",
      namespace: "verify-worker-url",
    }));
    builder.onLoad({ filter: /.*/, namespace: "verify-worker-url" }, () => ({
      contents: `export const VERIFY_WORKER_URL = new URL(${JSON.stringify(`./${VERIFIER_WORKER_FILE}`)}, import.meta.url);`,
      loader: "js",
    }));
  },
};

/** Builds the standalone verifier into `outDir`; returns the files with their digests. */
export async function buildVerifier(outDir = DEFAULT_VERIFIER_DIR): Promise<BuiltFile[]> {
  const entries = {
    [VERIFIER_FILE.replace(/\.mjs$/, "")]: join(PROJECT_ROOT, "bin", "evidence-verify.ts"),
    [VERIFIER_WORKER_FILE.replace(/\.mjs$/, "")]: join(
      PROJECT_ROOT,
      "lib",
      "core",
      "verify",
      "worker.ts",
    ),
  };
  const version = (
    JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }
  ).version;
  await build({
    entryPoints: entries,
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: BUNDLE_SETTINGS.platform,
    format: BUNDLE_SETTINGS.format,
    target: BUNDLE_SETTINGS.target,
    minify: true,
    legalComments: "eof",
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    banner: {
      js: `// evidence-verify ${version}: the evidence plane's offline pack verifier. Built by scripts/build-verifier.ts.\n${BUNDLE_SETTINGS.banner}`,
    },
    plugins: [workerNextToVerifier],
    logLevel: "warning",
  });
  return [VERIFIER_FILE, VERIFIER_WORKER_FILE].map((name) => {
    const path = join(outDir, name);
    const bytes = readFileSync(path);
    return {
      path,
      bytes: bytes.byteLength,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  for (const file of await buildVerifier(values.out ?? DEFAULT_VERIFIER_DIR)) {
    process.stdout.write(`${file.sha256}  ${file.path} (${(file.bytes / 1024).toFixed(1)} KB)\n`);
  }
}
