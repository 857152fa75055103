import { type ParseArgsConfig, parseArgs } from "node:util";

/** Where a command writes; injected so tests capture output without spawning a process. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
}

export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
};

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** A usage or input problem: printed with the hint, exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** One `evidence <name>` command. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** A command line parsed against a command's options: `values` and `positionals`. */
export type CommandLine<T extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>
>;

/**
 * Parses a command's arguments strictly (unknown options are refused); a refusal becomes a
 * {@link UsageError} that repeats the command's usage, so every command answers alike.
 */
export function parseCommandLine<T extends OptionsConfig>(
  args: string[],
  options: T,
  usage: string,
): CommandLine<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}

/** The option values of a command line parsed against `T`. */
export type OptionValues<T extends OptionsConfig> = CommandLine<T>["values"];

/**
 * Parses the command line of a command that takes options only. Undefined when `--help` asked for
 * the usage, which is then printed.
 */
export function parseOptionsOnly<T extends OptionsConfig & { help: { type: "boolean" } }>(
  args: string[],
  options: T,
  usage: string,
  io: CliIo,
): OptionValues<T> | undefined {
  const { values, positionals } = parseCommandLine(args, options, usage);
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${usage}`);
  }
  if ((values as { help?: boolean }).help) {
    io.stdout.write(`${usage}\n`);
    return undefined;
  }
  return values;
}

/**
 * Runs one command and turns what it throws into an exit code: a usage error or any other
 * failure prints `<program>: <message>` and exits 2.
 */
export async function runCommand(
  program: string,
  command: Command | (() => Promise<Command>),
  args: string[],
  io: CliIo,
): Promise<number> {
  try {
    const loaded = typeof command === "function" ? await command() : command;
    return await loaded.run(args, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${program}: ${message}\n`);
    return EXIT.usage;
  }
}
