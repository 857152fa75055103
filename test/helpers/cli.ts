import { PassThrough, Readable } from "node:stream";
import type { CliIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";

/** What a command printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `evidence <argv>` in this process with captured output and `stdin` as standard input. */
export async function runCli(argv: string[], stdin: Uint8Array | string = ""): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk));
  stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const io: CliIo = { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]) };
  const code = await main(argv, io);
  return {
    code,
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
  };
}
