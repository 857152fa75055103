import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type JsonObject, strictParse } from "../core/canonical/index.ts";
import { validateEvent } from "../core/events/index.ts";
import { PROJECT_ROOT } from "./emulator/index.ts";

/** The release the shipped example events describe. */
export const EXAMPLE_RELEASE_ID = "infusion-dose-api@2026.03.2";

/** One step of a release: an example event and what changes for this step. */
interface Step {
  readonly example: string;
  readonly idSuffix?: string;
  readonly patch?: (event: JsonObject) => void;
}

/**
 * A clinical-risk release from commit to rollback: commit, review, change classification,
 * build, SBOM, tests, two scans, policy evaluation, approval, deploy to staging, deploy to
 * production, and a rollback in one region.
 */
const STEPS: readonly Step[] = [
  { example: "commit.pushed" },
  { example: "review.submitted" },
  { example: "change.classified" },
  { example: "build.completed" },
  { example: "sbom.generated" },
  { example: "test.completed" },
  { example: "scan.completed" },
  {
    example: "scan.completed",
    idSuffix: ":dependency",
    patch: (event) => {
      const data = event.data as JsonObject;
      data.kind = "dependency";
      data.scanner = { name: "osv-scanner", version: "2.0.1" };
    },
  },
  { example: "policy.evaluated" },
  { example: "approval.decided" },
  ...(["deploy.started", "deploy.completed"] as const).map((example) => ({
    example,
    idSuffix: ":staging",
    patch: (event: JsonObject) => {
      (event.subject as JsonObject).environment = "staging";
      const data = event.data as JsonObject;
      data.deploymentId = "d-4STG8N2QA";
      data.strategy = "all-at-once";
    },
  })),
  { example: "deploy.started" },
  { example: "deploy.completed" },
  { example: "rollback.completed" },
];

/**
 * The events of a realistic release, built from examples/events, each valid in the catalogue.
 * With a `releaseId` other than the examples', every event is moved to that release and its id
 * made unique to it (so several releases can be sent to one plane).
 */
export function demoRelease(options: { releaseId?: string; root?: string } = {}): JsonObject[] {
  const root = options.root ?? PROJECT_ROOT;
  const releaseId = options.releaseId ?? EXAMPLE_RELEASE_ID;
  const idPrefix =
    releaseId === EXAMPLE_RELEASE_ID ? "" : `${releaseId.replace(/[^A-Za-z0-9._:-]/g, "-")}:`;
  return STEPS.map((step) => {
    const text = readFileSync(join(root, "examples", "events", `${step.example}.json`), "utf8");
    const event = strictParse(text) as JsonObject;
    event.id = `${idPrefix}${event.id as string}${step.idSuffix ?? ""}`.slice(0, 128);
    (event.subject as JsonObject).releaseId = releaseId;
    step.patch?.(event);
    const validation = validateEvent(event);
    if (!validation.valid) {
      const issue = validation.issues[0];
      throw new Error(
        `the demo's ${step.example} event is invalid at ${issue?.path}: ${issue?.message}`,
      );
    }
    return event;
  });
}
