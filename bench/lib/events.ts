import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const examplesDir = fileURLToPath(new URL("../../examples/events/", import.meta.url));

type EventTemplate = Record<string, unknown> & {
  id: string;
  type: string;
  subject: Record<string, unknown>;
};

/**
 * Realistic events for benchmarks: the catalogue's examples that belong to a release, cycled,
 * each given the benchmark's release id and a unique event id.
 */
export function releaseEventFactory(): (releaseId: string, n: number) => EventTemplate {
  const templates = readdirSync(examplesDir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(examplesDir, name), "utf8")) as EventTemplate)
    .filter((event) => typeof event.subject?.releaseId === "string");
  if (templates.length === 0) throw new Error(`no release examples in ${examplesDir}`);
  return (releaseId, n) => {
    const template = templates[n % templates.length] as EventTemplate;
    return {
      ...template,
      id: `${template.id}:${releaseId.replace(/[^A-Za-z0-9._:-]/g, "-")}:${n}`,
      subject: { ...template.subject, releaseId },
    };
  };
}
