/**
 * `npm run bench -- bundles [--json-only] [--metafile DIR]`: bundles every Lambda handler in
 * functions/ with the exact esbuild settings the stack deploys (lib/infra/bundling.ts) and prints
 * one JSON line per function: {"bench":"bundle","function":..,"kb":..,"limitKb":300,"withinLimit":..}.
 * `kb` is the minified JavaScript (the source map is not counted: Lambda never loads it unless
 * NODE_OPTIONS asks, and then only on an error). The largest inputs go to stderr, so a bundle
 * that grows says why.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build, type Metafile } from "esbuild";
import { BUNDLE_SETTINGS, presentHandlers } from "../lib/infra/bundling.ts";

/** The size budget of one bundle, in KB (1 KB = 1024 bytes). */
export const BUNDLE_LIMIT_KB = 300;

export interface BundleSize {
  readonly bench: "bundle";
  readonly function: string;
  readonly kb: number;
  readonly limitKb: number;
  readonly withinLimit: boolean;
}

/** Bundles one handler in memory and measures its JavaScript output. */
export async function measureBundle(
  name: string,
  entry: string,
): Promise<{ size: BundleSize; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    outdir: "out",
    metafile: true,
    logLevel: "silent",
    platform: BUNDLE_SETTINGS.platform,
    format: BUNDLE_SETTINGS.format,
    target: BUNDLE_SETTINGS.target,
    minify: BUNDLE_SETTINGS.minify,
    sourcemap: BUNDLE_SETTINGS.sourcemap,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    external: [...BUNDLE_SETTINGS.external],
    banner: { js: BUNDLE_SETTINGS.banner },
  });
  const js = result.outputFiles.filter((file) => file.path.endsWith(".js"));
  const bytes = js.reduce((total, file) => total + file.contents.byteLength, 0);
  const kb = Math.round((bytes / 1024) * 10) / 10;
  return {
    size: {
      bench: "bundle",
      function: name,
      kb,
      limitKb: BUNDLE_LIMIT_KB,
      withinLimit: kb <= BUNDLE_LIMIT_KB,
    },
    metafile: result.metafile,
  };
}

/** The packages that contribute most bytes to a bundle's output. */
export function largestPackages(metafile: Metafile, count = 5): Array<[string, number]> {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match?.[1] ?? "(project)";
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
}

export default async function bundles(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { metafile: { type: "string" } },
    allowPositionals: false,
  });
  const handlers = presentHandlers();
  if (handlers.length === 0) {
    process.stderr.write("bundles: no handler found in functions/\n");
    process.exitCode = 2;
    return;
  }
  let over = 0;
  for (const { name, entry } of handlers) {
    process.stderr.write(`bundling ${name}...\n`);
    const { size, metafile } = await measureBundle(name, entry);
    process.stdout.write(`${JSON.stringify(size)}\n`);
    const top = largestPackages(metafile)
      .map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(1)} KB`)
      .join(", ");
    process.stderr.write(`  largest: ${top}\n`);
    if (values.metafile) {
      mkdirSync(values.metafile, { recursive: true });
      writeFileSync(join(values.metafile, `${name}.meta.json`), JSON.stringify(metafile));
    }
    if (!size.withinLimit) over += 1;
  }
  if (over > 0) {
    process.stderr.write(`bundles: ${over} bundle(s) over ${BUNDLE_LIMIT_KB} KB\n`);
    process.exitCode = 1;
  }
}
