import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError, type EvidencePlaneConfig, parseConfig } from "./config.ts";

/** cdk.json context key holding the path of the configuration file. */
export const CONFIG_FILE_CONTEXT_KEY = "evidencePlane:configFile";
/** cdk.json context key holding the configuration inline (wins over the file). */
export const CONFIG_CONTEXT_KEY = "evidencePlane:config";

/** Reads and validates a configuration file (JSON). */
export function loadConfigFile(path: string, cwd = process.cwd()): EvidencePlaneConfig {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (cause) {
    throw new ConfigError(
      [`cannot read ${absolute}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`],
      CONFIG_FILE_CONTEXT_KEY,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError([`not valid JSON: ${(cause as Error).message}`], absolute);
  }
  return parseConfig(raw, absolute);
}

/**
 * The configuration named by CDK context: inline under `evidencePlane:config`, or a file under
 * `evidencePlane:configFile` (cdk.json points it at the worked example; override with
 * `npx cdk synth -c evidencePlane:configFile=my-plane.json`).
 */
export function configFromContext(
  tryGetContext: (key: string) => unknown,
  cwd = process.cwd(),
): EvidencePlaneConfig {
  const inline = tryGetContext(CONFIG_CONTEXT_KEY);
  if (inline !== undefined) {
    const raw = typeof inline === "string" ? parseInlineJson(inline) : inline;
    return parseConfig(raw, `context ${CONFIG_CONTEXT_KEY}`);
  }
  const file = tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (typeof file !== "string" || file === "") {
    throw new ConfigError(
      [
        `no configuration: set context ${CONFIG_FILE_CONTEXT_KEY} to a JSON file (see evidence-plane.config.example.json), e.g. npx cdk synth -c ${CONFIG_FILE_CONTEXT_KEY}=evidence-plane.config.json`,
      ],
      "cdk context",
    );
  }
  return loadConfigFile(file, cwd);
}

function parseInlineJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(
      [`not valid JSON: ${(cause as Error).message}`],
      `context ${CONFIG_CONTEXT_KEY}`,
    );
  }
}
