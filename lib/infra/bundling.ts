import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the folder that holds package.json and functions/). */
export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * esbuild settings of every Lambda bundle, shared by the CDK functions and by
 * `npm run bench -- bundles` so the benchmark measures exactly what is deployed.
 *
 * The AWS SDK v3 service clients (`@aws-sdk/client-*`) come from the Lambda runtime, everything
 * else is bundled. Bundling the clients too was measured and refused on size: the ingest bundle
 * reached 764 KB minified (S3, DynamoDB and KMS clients plus @smithy/core), the archive 473 KB,
 * against a 300 KB budget per function. The handlers use long-standing client operations only,
 * and utility packages the runtime may not ship (util-dynamodb) stay bundled.
 */
export const BUNDLE_SETTINGS = {
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  sourcemap: true,
  mainFields: ["module", "main"],
  external: ["@aws-sdk/client-*"] as string[],
  // ESM output still meets CommonJS dependencies that call require(): give them one.
  banner:
    "import { createRequire as __evidenceCreateRequire } from 'node:module'; const require = __evidenceCreateRequire(import.meta.url);",
} as const;

/** One Lambda handler: its name in the stack and benches, and its entry file. */
export interface HandlerEntry {
  readonly name: string;
  readonly entry: string;
}

/** Every handler the evidence stack can deploy, in functions/. */
export const HANDLERS = {
  ingest: "ingest",
  archive: "archive",
  packApi: "pack-api",
  packAssembler: "pack-assembler",
  keyUsage: "key-usage",
} as const;

export type HandlerName = (typeof HANDLERS)[keyof typeof HANDLERS];

/** The entry file of a handler. */
export function handlerEntry(name: HandlerName, root = PROJECT_ROOT): string {
  return join(root, "functions", `${name}.ts`);
}

/** Entry file of every handler, by name. */
export type HandlerEntries = Readonly<Record<HandlerName, string>>;

/** The entry files in functions/, with any given `overrides`. */
export function handlerEntries(overrides: Partial<HandlerEntries> = {}): HandlerEntries {
  const defaults = Object.fromEntries(
    Object.values(HANDLERS).map((name) => [name, handlerEntry(name)]),
  ) as Record<HandlerName, string>;
  return { ...defaults, ...overrides };
}

/** The handlers whose entry files exist in this checkout. */
export function presentHandlers(root = PROJECT_ROOT): HandlerEntry[] {
  return Object.values(HANDLERS)
    .map((name) => ({ name, entry: handlerEntry(name, root) }))
    .filter(({ entry }) => existsSync(entry));
}
