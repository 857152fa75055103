#!/usr/bin/env node
// `evidence-verify PACK [--public-key FILE] [--json] ...`: the offline verifier on its own, with
// the arguments of `evidence verify`. `npm run build:verifier` makes it a JavaScript file and its
// worker that run on Node 22 with nothing installed: what an auditor carries.
import { verifyCommandAs } from "../lib/cli/commands/verify.ts";
import { processIo, runCommand } from "../lib/cli/io.ts";

const command = verifyCommandAs("evidence-verify");
process.exitCode = await runCommand("evidence-verify", command, process.argv.slice(2), processIo);
