import type { ChangeCategory } from "../events/index.ts";

/**
 * The control map: which controls a release must pass, by change category. Documented in
 * docs/controls.md; the default below is what a pack's report checks unless a deployment
 * configures its own (a JSON file of the same shape).
 */
export const CONTROL_MAP_VERSION = 1;

/**
 * The catalogue's change categories (lib/core/events/fields.ts), written out so reading a map
 * and a pack does not load the schema library; a unit test keeps them equal.
 */
export const CHANGE_CATEGORIES: readonly ChangeCategory[] = [
  "cosmetic",
  "operational",
  "clinical-risk",
  "security-sensitive",
  "data-processing",
];

/** Scan severities, most severe first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SCAN_KINDS = ["dependency", "licence", "secrets", "iac", "container", "sast"] as const;
export type ScanKind = (typeof SCAN_KINDS)[number];

export const TEST_KINDS = ["unit", "integration", "system", "validation"] as const;
export type TestKind = (typeof TEST_KINDS)[number];

/** What a control requires of a release. Each kind is evaluated by lib/core/report/evaluate.ts. */
export type Requirement =
  /** Every deployed artifact was built (a build.completed names its digest). */
  | { readonly kind: "build" }
  /** Every deployed artifact has an SBOM (sbom.generated names its digest). */
  | { readonly kind: "sbom" }
  /**
   * Every deployed artifact passed tests: a test.completed on its digest with no failures and at
   * least one pass, of `testKind` when given.
   */
  | { readonly kind: "tests-passed"; readonly testKind?: TestKind }
  /**
   * The latest scan of `scanKind` on a deployed artifact or the release's commit has no finding
   * of a `blocking` severity.
   */
  | { readonly kind: "scan-clean"; readonly scanKind: ScanKind; readonly blocking: Severity[] }
  /**
   * Each deployment (environment and artifact; only `environment` when given) was approved by at
   * least `minimum` distinct people, and by no fewer than the approvals the events themselves say
   * are required; a rejection by anyone is a gap.
   */
  | { readonly kind: "approvals"; readonly minimum: number; readonly environment?: string }
  /**
   * A policy engine allowed the release. With `acceptWarnWithExceptions`, a `warn` decision whose
   * every violation names an exception open at the time of the evaluation also passes.
   */
  | { readonly kind: "policy-allow"; readonly acceptWarnWithExceptions: boolean }
  /** The change was reviewed and approved by someone other than its author. */
  | { readonly kind: "independent-review" }
  /** The release was observed after it shipped: a monitoring.baseline in `environment`. */
  | { readonly kind: "monitoring"; readonly environment: string };

export type RequirementKind = Requirement["kind"];

/** `*` applies a control to every release, classified or not. */
export type CategorySelector = ChangeCategory | "*";

/** One control of the map. */
export interface Control {
  /** Stable id, shown in reports; exceptions waive controls by this id. */
  readonly id: string;
  readonly title: string;
  /** Why the control exists, in a sentence an auditor can read. */
  readonly description: string;
  readonly categories: readonly CategorySelector[];
  readonly requirement: Requirement;
}

export interface ControlMap {
  readonly version: typeof CONTROL_MAP_VERSION;
  readonly controls: readonly Control[];
}

/**
 * The shipped control map: security-sensitive changes need a clean secrets scan and two
 * approvals; clinical-risk changes need validation tests on the deployed artifact, two
 * approvals and an independent review; every deployed artifact needs a build, an SBOM, passing
 * tests and an allow policy decision.
 */
export const DEFAULT_CONTROL_MAP: ControlMap = {
  version: CONTROL_MAP_VERSION,
  controls: [
    {
      id: "REL-BUILD",
      title: "Deployed artifact was built by the pipeline",
      description:
        "Every artifact digest deployed to any environment has a build record naming that digest, so what ran is what was built.",
      categories: ["*"],
      requirement: { kind: "build" },
    },
    {
      id: "REL-SBOM",
      title: "Deployed artifact has an SBOM",
      description:
        "Every deployed artifact digest has a software bill of materials, so its components are known.",
      categories: ["*"],
      requirement: { kind: "sbom" },
    },
    {
      id: "REL-TESTS",
      title: "Deployed artifact passed tests",
      description:
        "Every deployed artifact digest has a test run on that digest with no failures, so what shipped is what was tested.",
      categories: ["*"],
      requirement: { kind: "tests-passed" },
    },
    {
      id: "REL-POLICY",
      title: "Release policy allowed the release",
      description:
        "A policy engine evaluated the release and allowed it; a warning passes only when every violation is waived by an exception open at the time.",
      categories: ["*"],
      requirement: { kind: "policy-allow", acceptWarnWithExceptions: true },
    },
    {
      id: "SEC-SECRETS",
      title: "Clean secrets scan",
      description:
        "Security-sensitive changes ship only after a secrets scan of the artifact or commit found nothing above informational.",
      categories: ["security-sensitive"],
      requirement: {
        kind: "scan-clean",
        scanKind: "secrets",
        blocking: ["critical", "high", "medium", "low"],
      },
    },
    {
      id: "SEC-APPROVALS",
      title: "Two approvals for security-sensitive changes",
      description:
        "Each production deployment of a security-sensitive change was approved by at least two different people.",
      categories: ["security-sensitive"],
      requirement: { kind: "approvals", minimum: 2, environment: "production" },
    },
    {
      id: "CLIN-VALIDATION",
      title: "Validation tests on the deployed artifact",
      description:
        "Clinical-risk changes ship only with passing validation tests run against the exact artifact digest that was deployed.",
      categories: ["clinical-risk"],
      requirement: { kind: "tests-passed", testKind: "validation" },
    },
    {
      id: "CLIN-APPROVALS",
      title: "Two approvals for clinical-risk changes",
      description:
        "Each production deployment of a clinical-risk change was approved by at least two different people.",
      categories: ["clinical-risk"],
      requirement: { kind: "approvals", minimum: 2, environment: "production" },
    },
    {
      id: "CLIN-REVIEW",
      title: "Independent code review",
      description:
        "A clinical-risk change was approved in code review by someone other than its author.",
      categories: ["clinical-risk"],
      requirement: { kind: "independent-review" },
    },
  ],
};

/** Raised for a control map file that cannot be used; the message names the member and the fix. */
export class ControlMapError extends Error {
  override readonly name = "ControlMapError";
}

const REQUIREMENT_KINDS: readonly RequirementKind[] = [
  "build",
  "sbom",
  "tests-passed",
  "scan-clean",
  "approvals",
  "policy-allow",
  "independent-review",
  "monitoring",
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown, path: string, max = 500): string {
  if (typeof value !== "string" || value.trim().length === 0 || value.length > max) {
    throw new ControlMapError(`${path}: expected text of 1 to ${max} characters`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new ControlMapError(
      `${path}: expected one of ${allowed.join(", ")}, found ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

function onlyMembers(value: Record<string, unknown>, allowed: readonly string[], path: string) {
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      throw new ControlMapError(
        `${path}.${name}: unknown member; allowed here: ${allowed.join(", ")}`,
      );
    }
  }
}

function requirement(value: unknown, path: string): Requirement {
  if (!isObject(value)) throw new ControlMapError(`${path}: expected an object with a kind`);
  const kind = oneOf(value.kind, REQUIREMENT_KINDS, `${path}.kind`);
  switch (kind) {
    case "build":
    case "sbom":
    case "independent-review":
      onlyMembers(value, ["kind"], path);
      return { kind };
    case "tests-passed": {
      onlyMembers(value, ["kind", "testKind"], path);
      return value.testKind === undefined
        ? { kind }
        : { kind, testKind: oneOf(value.testKind, TEST_KINDS, `${path}.testKind`) };
    }
    case "scan-clean": {
      onlyMembers(value, ["kind", "scanKind", "blocking"], path);
      const blocking = value.blocking ?? ["critical", "high", "medium", "low"];
      if (!Array.isArray(blocking) || blocking.length === 0) {
        throw new ControlMapError(`${path}.blocking: expected a list of severities`);
      }
      return {
        kind,
        scanKind: oneOf(value.scanKind, SCAN_KINDS, `${path}.scanKind`),
        blocking: blocking.map((s, i) => oneOf(s, SEVERITIES, `${path}.blocking[${i}]`)),
      };
    }
    case "approvals": {
      onlyMembers(value, ["kind", "minimum", "environment"], path);
      const minimum = value.minimum;
      if (!Number.isSafeInteger(minimum) || (minimum as number) < 1 || (minimum as number) > 20) {
        throw new ControlMapError(`${path}.minimum: expected a whole number from 1 to 20`);
      }
      return value.environment === undefined
        ? { kind, minimum: minimum as number }
        : {
            kind,
            minimum: minimum as number,
            environment: text(value.environment, `${path}.environment`, 64),
          };
    }
    case "policy-allow": {
      onlyMembers(value, ["kind", "acceptWarnWithExceptions"], path);
      const accept = value.acceptWarnWithExceptions ?? false;
      if (typeof accept !== "boolean") {
        throw new ControlMapError(`${path}.acceptWarnWithExceptions: expected true or false`);
      }
      return { kind, acceptWarnWithExceptions: accept };
    }
    case "monitoring":
      onlyMembers(value, ["kind", "environment"], path);
      return { kind, environment: text(value.environment, `${path}.environment`, 64) };
  }
}

/**
 * Reads a control map (parsed JSON) and checks every member, so a typo is an error that names
 * it rather than a control silently never applied.
 *
 * @example
 * const map = parseControlMap(JSON.parse(readFileSync("controls.json", "utf8")));
 */
export function parseControlMap(value: unknown): ControlMap {
  if (!isObject(value)) throw new ControlMapError("the control map must be a JSON object");
  onlyMembers(value, ["version", "controls"], "$");
  if (value.version !== CONTROL_MAP_VERSION) {
    throw new ControlMapError(
      `$.version: expected ${CONTROL_MAP_VERSION}, found ${JSON.stringify(value.version)}`,
    );
  }
  if (!Array.isArray(value.controls) || value.controls.length === 0) {
    throw new ControlMapError("$.controls: expected a non-empty list of controls");
  }
  const ids = new Set<string>();
  const controls = value.controls.map((item, index): Control => {
    const path = `$.controls[${index}]`;
    if (!isObject(item)) throw new ControlMapError(`${path}: expected an object`);
    onlyMembers(item, ["id", "title", "description", "categories", "requirement"], path);
    const id = text(item.id, `${path}.id`, 64);
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id)) {
      throw new ControlMapError(`${path}.id: use letters, digits, '.', '_', ':' and '-'`);
    }
    if (ids.has(id)) throw new ControlMapError(`${path}.id: "${id}" is used twice`);
    ids.add(id);
    if (!Array.isArray(item.categories) || item.categories.length === 0) {
      throw new ControlMapError(
        `${path}.categories: expected a list of change categories, or ["*"] for every release`,
      );
    }
    return {
      id,
      title: text(item.title, `${path}.title`, 200),
      description: text(item.description, `${path}.description`, 1000),
      categories: item.categories.map((c, i) =>
        oneOf(c, ["*", ...CHANGE_CATEGORIES] as const, `${path}.categories[${i}]`),
      ),
      requirement: requirement(item.requirement, `${path}.requirement`),
    };
  });
  return { version: CONTROL_MAP_VERSION, controls };
}

/** The controls that apply to a release of `category` (undefined: not classified). */
export function controlsFor(
  map: ControlMap,
  category: ChangeCategory | undefined,
): readonly Control[] {
  return map.controls.filter((control) =>
    control.categories.some((c) => c === "*" || (category !== undefined && c === category)),
  );
}
