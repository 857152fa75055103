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
