import { CanonicalInputError, canonicalBytes, strictParse } from "../../core/canonical/index.ts";
import { type Command, EXIT } from "../io.ts";
import { parseInputArgs, readSource } from "./validate.ts";

const USAGE = `usage: evidence canonicalize FILE|-

Writes the RFC 8785 (JCS) canonical form of a JSON document to standard output: members sorted,
no whitespace, ECMAScript numbers, UTF-8, no trailing newline. These are the bytes that are hashed
and signed. Input a plain JSON parser would silently change is refused instead: duplicate member
names, lone surrogates, integers beyond ±2^53, numbers beyond a double, invalid UTF-8.

  FILE    the JSON file; - reads standard input

Exit status: 0 written, 1 refused (the reason and its JSON path on standard error),
2 bad usage or unreadable input.`;

/** `evidence canonicalize FILE|-`: the exact bytes a digest or signature covers. */
export const canonicalizeCommand: Command = {
  name: "canonicalize",
  summary: "print the RFC 8785 canonical form of a JSON document",
  async run(args, io) {
    const options = parseInputArgs(args, USAGE, io, { json: false });
    if (options === undefined) return EXIT.ok;
    const input = await readSource(options.source, io);
    let output: Buffer;
    try {
      output = canonicalBytes(strictParse(input));
    } catch (error) {
      if (!(error instanceof CanonicalInputError)) throw error;
      io.stderr.write(`evidence canonicalize: refused (${error.code}) at ${error.message}\n`);
      return EXIT.invalid;
    }
    io.stdout.write(output);
    return EXIT.ok;
  },
};
