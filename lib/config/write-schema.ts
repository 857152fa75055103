/**
 * Writes evidence-plane.config.schema.json from the TypeBox source, for editors that validate
 * the configuration file as it is typed: `node lib/config/write-schema.ts && npx biome format --write evidence-plane.config.schema.json`.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RawConfigSchema } from "./schema.ts";

export const SCHEMA_FILE = fileURLToPath(
  new URL("../../evidence-plane.config.schema.json", import.meta.url),
);

/** The published schema document. */
export function schemaDocument(): string {
  const document = {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "Evidence plane configuration",
    ...RawConfigSchema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, schemaDocument());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
