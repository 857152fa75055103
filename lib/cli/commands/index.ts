import type { Command } from "../io.ts";

/**
 * Every `evidence` command, loaded on demand so that a command pulls in only what it uses
 * (validating an event never loads the AWS SDK).
 */
export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {};
