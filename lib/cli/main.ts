import { commands } from "./commands/index.ts";
import { type CliIo, EXIT, processIo, runCommand } from "./io.ts";

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
  return runCommand(`evidence ${name}`, entry.load, rest, io);
}
