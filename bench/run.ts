#!/usr/bin/env node
/**
 * Benchmark runner: `npm run bench -- <name> [args...]` loads bench/<name>.ts and awaits its
 * default export `(argv: string[]) => Promise<void>`. Each bench prints one JSON line on stdout
 * and its progress on stderr, so results can be collected by a machine.
 */
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

type Bench = (argv: string[]) => Promise<void>;

const here = dirname(fileURLToPath(import.meta.url));

async function availableBenches(): Promise<string[]> {
  const entries = await readdir(here, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && entry.name !== "run.ts")
    .map((entry) => entry.name.slice(0, -".ts".length))
    .sort();
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const names = await availableBenches();
  const list = names.map((n) => `  ${n}`).join("\n");
  if (name === undefined || name === "--help" || name === "-h") {
    process.stderr.write(`usage: npm run bench -- <name> [args...]\n\nbenches:\n${list}\n`);
    return name === undefined ? 2 : 0;
  }
  if (!names.includes(name)) {
    process.stderr.write(`bench: no bench named "${name}"; available:\n${list}\n`);
    return 2;
  }
  const module = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as {
    default?: unknown;
  };
  if (typeof module.default !== "function") {
    process.stderr.write(`bench: bench/${name}.ts has no default export function\n`);
    return 2;
  }
  await (module.default as Bench)(rest);
  return 0;
}

process.exitCode = await run(process.argv.slice(2));
