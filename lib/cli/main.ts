import { commands } from "./commands/index.ts";
import { type CliIo, EXIT, processIo, UsageError } from "./io.ts";

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length), 8);
  const lines = Object.entries(commands).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`,
  );
  return [
    "usage: evidence <command> [options]",
    "",
    "commands:",
    ...lines,
    "",
    "Run `evidence <command> --help` for a command's options.",
  ].join("\n");
}

/** Runs the `evidence` command line and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`evidence: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT.usage;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`evidence ${name}: ${error.message}\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`evidence ${name}: ${message}\n`);
    return EXIT.usage;
  }
}
