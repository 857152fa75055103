import { readFile } from "node:fs/promises";
import { CanonicalInputError, quoteForDisplay, strictParse } from "../../core/canonical/index.ts";
import {
  EVENT_TYPES,
  issueFromParseError,
  type ValidationIssue,
  validateEvent,
} from "../../core/events/index.ts";
import { type CliIo, type Command, EXIT, parseCommandLine, UsageError } from "../io.ts";

const USAGE = `usage: evidence validate FILE|- [--json]

Checks one evidence event (a JSON document) against the event catalogue: its type, every member,
and rules such as a window that ends after it starts. Input is parsed strictly: duplicate member
names, lone surrogates, integers beyond ±2^53 and invalid UTF-8 are refused.

  FILE    the event file; - reads standard input
  --json  print { valid, type, id, issues } as one JSON line

Exit status: 0 valid, 1 invalid (every issue listed), 2 bad usage or unreadable input.`;

/**
 * Reads a command's input: the file at `source`, or standard input when it is `-`.
 * An unreadable file is a {@link UsageError} (exit 2) naming the file and the reason.
 */
export async function readSource(source: string, io: CliIo): Promise<Uint8Array> {
  if (source === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : (error as Error).message;
    throw new UsageError(`cannot read ${source}: ${reason}`);
  }
}

/**
 * Parses `args` for a command that takes one input (FILE or `-`) and, optionally, `--json`.
 * Returns undefined when `--help` was asked for (the usage is then already printed).
 */
export function parseInputArgs(
  args: string[],
  usage: string,
  io: CliIo,
  options: { json: boolean },
): { source: string; json: boolean } | undefined {
  const parsed = parseCommandLine(args, ARG_OPTIONS, usage);
  if (parsed.values.help === true) {
    io.stdout.write(`${usage}\n`);
    return undefined;
  }
  if (parsed.values.json === true && !options.json) {
    throw new UsageError(`--json is not an option of this command\n\n${usage}`);
  }
  const [source, ...extra] = parsed.positionals;
  if (source === undefined)
    throw new UsageError(`name a FILE, or - for standard input\n\n${usage}`);
  if (extra.length > 0) {
    throw new UsageError(`one input at a time; unexpected ${extra.join(" ")}\n\n${usage}`);
  }
  return { source, json: parsed.values.json === true };
}

const ARG_OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

interface Verdict {
  readonly valid: boolean;
  readonly type?: string;
  readonly id?: string;
  readonly issues: ValidationIssue[];
}

function judge(bytes: Uint8Array): Verdict {
  let parsed: unknown;
  try {
    parsed = strictParse(bytes);
  } catch (error) {
    if (error instanceof CanonicalInputError) {
      return { valid: false, issues: [issueFromParseError(error)] };
    }
    throw error;
  }
  const { type, id } = (parsed ?? {}) as { type?: unknown; id?: unknown };
  const named = {
    ...(typeof type === "string" ? { type } : {}),
    ...(typeof id === "string" ? { id } : {}),
  };
  const result = validateEvent(parsed);
  return result.valid
    ? { valid: true, ...named, issues: [] }
    : { valid: false, ...named, issues: result.issues };
}

/** `type id` for a one-line summary, escaped unless it is a known type and a well-formed id. */
function label(verdict: Verdict): string {
  const parts: string[] = [];
  if (verdict.type !== undefined) {
    const known = (EVENT_TYPES as readonly string[]).includes(verdict.type);
    parts.push(known ? verdict.type : quoteForDisplay(verdict.type));
  }
  if (verdict.id !== undefined) {
    parts.push(
      /^[A-Za-z0-9._:-]{1,128}$/.test(verdict.id) ? verdict.id : quoteForDisplay(verdict.id),
    );
  }
  return parts.length > 0 ? ` ${parts.join(" ")}` : "";
}

/** `evidence validate FILE|-`: is this an evidence event, and if not, what exactly is wrong. */
export const validateCommand: Command = {
  name: "validate",
  summary: "check an evidence event against the event catalogue",
  async run(args, io) {
    const options = parseInputArgs(args, USAGE, io, { json: true });
    if (options === undefined) return EXIT.ok;
    const verdict = judge(await readSource(options.source, io));
    if (options.json) {
      io.stdout.write(`${JSON.stringify(verdict)}\n`);
    } else if (verdict.valid) {
      io.stdout.write(`valid${label(verdict)}\n`);
    } else {
      const count = verdict.issues.length;
      const lines = verdict.issues.map((issue) => `  ${issue.message}\n`).join("");
      io.stdout.write(
        `invalid${label(verdict)}: ${count} issue${count === 1 ? "" : "s"}\n${lines}`,
      );
    }
    return verdict.valid ? EXIT.ok : EXIT.invalid;
  },
};
