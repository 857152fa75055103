import { type Control, type ControlMap, controlsFor, type Requirement } from "../controls/index.ts";
import type { ChangeCategory } from "../events/index.ts";
import {
  type EvidenceRef,
  type ExceptionFact,
  exceptionOpenAt,
  type Person,
  type ReleaseFacts,
} from "./facts.ts";

/**
 * - `pass`: the evidence meets the control.
 * - `gap`: it does not (or the evidence is missing).
 * - `excepted`: it does not, but an exception open at the time waives it.
 * - `not-applicable`: the control has nothing to check (nothing was deployed).
 * - `incomplete`: a gap in a partial stream (a time window): the evidence may be outside the pack.
 */
export type ControlStatus = "pass" | "gap" | "excepted" | "not-applicable" | "incomplete";

export interface ControlResult {
  readonly control: Control;
  readonly status: ControlStatus;
  /** One line: what was found. */
  readonly summary: string;
  /** What was checked, item by item. */
  readonly details: readonly string[];
  /** Records that support or contradict the result. */
  readonly refs: readonly EvidenceRef[];
}

export interface ReleaseEvaluation {
  readonly category: ChangeCategory | undefined;
  readonly results: readonly ControlResult[];
}

interface Outcome {
  readonly status: "pass" | "gap" | "not-applicable";
  readonly summary: string;
  readonly details: string[];
  readonly refs: EvidenceRef[];
  /** Environments the result concerns, for exceptions scoped to environments. */
  readonly environments?: readonly string[];
  /** Exception ids that waive the result (a policy warning), when all are open. */
  readonly waivedBy?: readonly string[];
}

/** `sha256:d7edeb83…` */
export function shortDigest(digest: string): string {
  return digest.startsWith("sha256:") ? `${digest.slice(0, 15)}…` : digest;
}

function name(person: Person): string {
  return person.displayName ?? person.id;
}

function deployed(facts: ReleaseFacts): Array<{ environment: string; artifact: string }> {
  const seen = new Map<string, { environment: string; artifact: string }>();
  for (const deploy of facts.deploys) {
    seen.set(`${deploy.environment} ${deploy.artifact}`, {
      environment: deploy.environment,
      artifact: deploy.artifact,
    });
  }
  return [...seen.values()];
}

function deployedArtifacts(facts: ReleaseFacts): string[] {
  return [...new Set(facts.deploys.map((d) => d.artifact))];
}

const NOTHING_DEPLOYED: Outcome = {
  status: "not-applicable",
  summary: "nothing was deployed in this release's evidence",
  details: [],
  refs: [],
};

function perArtifact(
  facts: ReleaseFacts,
  what: string,
  find: (artifact: string) => EvidenceRef | undefined,
): Outcome {
  const artifacts = deployedArtifacts(facts);
  if (artifacts.length === 0) return NOTHING_DEPLOYED;
  const details: string[] = [];
  const refs: EvidenceRef[] = [];
  let missing = 0;
  for (const artifact of artifacts) {
    const ref = find(artifact);
    if (ref) {
      refs.push(ref);
      details.push(`${shortDigest(artifact)}: ${what} (seq ${ref.seq})`);
    } else {
      missing++;
      details.push(`${shortDigest(artifact)}: no ${what}`);
    }
  }
  return {
    status: missing === 0 ? "pass" : "gap",
    summary:
      missing === 0
        ? `${what} for every deployed artifact (${artifacts.length})`
        : `no ${what} for ${missing} of ${artifacts.length} deployed artifact(s)`,
    details,
    refs,
  };
}

function testsPassed(facts: ReleaseFacts, testKind: string | undefined): Outcome {
  const label = testKind ? `passing ${testKind} tests` : "passing tests";
  const artifacts = deployedArtifacts(facts);
  if (artifacts.length === 0) return NOTHING_DEPLOYED;
  const details: string[] = [];
  const refs: EvidenceRef[] = [];
  let missing = 0;
  for (const artifact of artifacts) {
    const runs = facts.tests.filter(
      (t) => t.artifact === artifact && (testKind === undefined || t.kind === testKind),
    );
    const passing = runs.filter((t) => t.failed === 0 && t.passed > 0);
    const failing = runs.filter((t) => t.failed > 0);
    refs.push(...runs.map((t) => t.ref));
    if (passing.length > 0) {
      details.push(
        `${shortDigest(artifact)}: ${passing.map((t) => `${t.suite} ${t.passed} passed${t.protocol ? ` (${t.protocol})` : ""}`).join("; ")}`,
      );
    } else {
      missing++;
      details.push(
        failing.length > 0
          ? `${shortDigest(artifact)}: ${failing.map((t) => `${t.suite} ${t.failed} failed`).join("; ")}, none passing`
          : `${shortDigest(artifact)}: no ${testKind ? `${testKind} ` : ""}test run on this digest`,
      );
    }
  }
  return {
    status: missing === 0 ? "pass" : "gap",
    summary:
      missing === 0
        ? `${label} on every deployed artifact digest`
        : `no ${label} on ${missing} of ${artifacts.length} deployed artifact(s)`,
    details,
    refs,
  };
}

function scanClean(
  facts: ReleaseFacts,
  requirement: Extract<Requirement, { kind: "scan-clean" }>,
): Outcome {
  const artifacts = new Set(deployedArtifacts(facts));
  const commits = new Set(facts.commits.map((c) => c.commit));
  const relevant = facts.scans.filter(
    (s) =>
      s.kind === requirement.scanKind &&
      (artifacts.size === 0 ||
        (s.artifact !== undefined && artifacts.has(s.artifact)) ||
        (s.commit !== undefined && commits.has(s.commit))),
  );
  const latest = relevant.reduce<(typeof relevant)[number] | undefined>(
    (last, scan) => (last === undefined || scan.ref.seq > last.ref.seq ? scan : last),
    undefined,
  );
  if (!latest) {
    return {
      status: "gap",
      summary: `no ${requirement.scanKind} scan of the deployed artifact or the release's commit`,
      details: [],
      refs: [],
    };
  }
  const blocking = requirement.blocking
    .map((severity) => [severity, latest.findings[severity] ?? 0] as const)
    .filter(([, count]) => count > 0);
  const target = latest.artifact
    ? shortDigest(latest.artifact)
    : (latest.commit ?? "").slice(0, 12);
  return {
    status: blocking.length === 0 ? "pass" : "gap",
    summary:
      blocking.length === 0
        ? `${latest.scanner} found no ${requirement.blocking.join("/")} findings in ${target}`
        : `${latest.scanner} found ${blocking.map(([s, n]) => `${n} ${s}`).join(", ")} in ${target}`,
    details: relevant.map(
      (s) =>
        `${s.scanner} (seq ${s.ref.seq}, ${s.ref.at}): ${Object.entries(s.findings)
          .map(([severity, n]) => `${n} ${severity}`)
          .join(", ")}`,
    ),
    refs: relevant.map((s) => s.ref),
  };
}

function approvals(
  facts: ReleaseFacts,
  requirement: Extract<Requirement, { kind: "approvals" }>,
): Outcome {
  const groups = deployed(facts).filter(
    (g) => requirement.environment === undefined || g.environment === requirement.environment,
  );
  if (groups.length === 0) {
    return {
      ...NOTHING_DEPLOYED,
      summary: requirement.environment
        ? `nothing was deployed to ${requirement.environment}`
        : NOTHING_DEPLOYED.summary,
    };
  }
  const details: string[] = [];
  const refs: EvidenceRef[] = [];
  let short = 0;
  for (const group of groups) {
    const decisions = facts.approvals.filter(
      (a) => a.environment === group.environment && a.artifact === group.artifact,
    );
    refs.push(...decisions.map((a) => a.ref));
    const approvers = new Map<string, Person>();
    for (const a of decisions)
      if (a.decision === "approved") approvers.set(a.approver.id, a.approver);
    const rejections = decisions.filter((a) => a.decision === "rejected");
    const required = Math.max(requirement.minimum, ...decisions.map((a) => a.requiredApprovals));
    const ok = approvers.size >= required && rejections.length === 0;
    if (!ok) short++;
    const who = [...approvers.values()].map(name).join(", ");
    details.push(
      `${group.environment} ${shortDigest(group.artifact)}: ${approvers.size} of ${required} approvals${who ? ` (${who})` : ""}${rejections.length > 0 ? `; rejected by ${rejections.map((r) => name(r.approver)).join(", ")}` : ""}`,
    );
  }
  return {
    status: short === 0 ? "pass" : "gap",
    summary:
      short === 0
        ? `every deployment had its approvals (${groups.length})`
        : groups.length === 1
          ? `the deployment to ${groups[0]?.environment} lacked approvals`
          : `${short} of ${groups.length} deployments lacked approvals`,
    details,
    refs,
    environments: groups.map((g) => g.environment),
  };
}

function policyAllow(
  facts: ReleaseFacts,
  requirement: Extract<Requirement, { kind: "policy-allow" }>,
  exceptions: ReadonlyMap<string, ExceptionFact>,
): Outcome {
  const latest = facts.policies.reduce<(typeof facts.policies)[number] | undefined>(
    (last, p) => (last === undefined || p.ref.seq > last.ref.seq ? p : last),
    undefined,
  );
  if (!latest) {
    return {
      status: "gap",
      summary: "no policy evaluation in the evidence",
      details: [],
      refs: [],
    };
  }
  const refs = [latest.ref];
  const details = latest.violations.map(
    (v) => `${v.rule}: ${v.message}${v.exceptionId ? ` (waiver named: ${v.exceptionId})` : ""}`,
  );
  if (latest.decision === "allow") {
    return { status: "pass", summary: `${latest.policy} allowed the release`, details, refs };
  }
  if (latest.decision !== "warn" || !requirement.acceptWarnWithExceptions) {
    return {
      status: "gap",
      summary: `${latest.policy} decided "${latest.decision}"`,
      details,
      refs,
    };
  }
  const problems: string[] = [];
  const waivers: string[] = [];
  for (const violation of latest.violations) {
    const id = violation.exceptionId;
    const exception = id ? exceptions.get(id) : undefined;
    if (!id) problems.push(`${violation.rule} names no exception`);
    else if (!exception)
      problems.push(`${violation.rule} names ${id}, which this pack does not hold`);
    else if (!exceptionOpenAt(exception, latest.ref.at)) {
      problems.push(`${violation.rule} names ${id}, which was not open at ${latest.ref.at}`);
    } else {
      waivers.push(id);
      refs.push(exception.ref);
    }
  }
  if (problems.length > 0) {
    return {
      status: "gap",
      summary: `${latest.policy} warned and not every violation is waived: ${problems.join("; ")}`,
      details,
      refs,
    };
  }
  return {
    status: "pass",
    summary: `${latest.policy} warned; every violation is waived by an open exception`,
    details,
    refs,
    waivedBy: waivers,
  };
}

function independentReview(facts: ReleaseFacts): Outcome {
  const authors = new Set(facts.commits.flatMap((c) => (c.author ? [c.author.id] : [])));
  const approvals = facts.reviews.filter((r) => r.decision === "approved");
  const independent = approvals.filter((r) => !authors.has(r.reviewer.id));
  if (independent.length > 0) {
    return {
      status: "pass",
      summary: `approved in review by ${[...new Set(independent.map((r) => name(r.reviewer)))].join(", ")}${authors.size === 0 ? " (the author is not in the evidence)" : ""}`,
      details: independent.map(
        (r) =>
          `${name(r.reviewer)} approved${r.pullRequest ? ` PR #${r.pullRequest}` : ""} at ${r.ref.at}`,
      ),
      refs: independent.map((r) => r.ref),
    };
  }
  return {
    status: "gap",
    summary:
      approvals.length > 0
        ? "the only approving reviews are by the change's author"
        : "no approving code review in the evidence",
    details: [],
    refs: approvals.map((r) => r.ref),
  };
}

function monitoring(facts: ReleaseFacts, environment: string): Outcome {
  const seen = facts.monitoring.filter((m) => m.environment === environment);
  if (seen.length > 0) {
    return {
      status: "pass",
      summary: `observed in ${environment} (${seen.length} baseline${seen.length === 1 ? "" : "s"})`,
      details: seen.map((m) => `window ${m.from ?? "?"} to ${m.to ?? "?"} (seq ${m.ref.seq})`),
      refs: seen.map((m) => m.ref),
      environments: [environment],
    };
  }
  if (!facts.deploys.some((d) => d.environment === environment)) {
    return { ...NOTHING_DEPLOYED, summary: `nothing was deployed to ${environment}` };
  }
  return {
    status: "gap",
    summary: `no monitoring baseline in ${environment} after the deployment`,
    details: [],
    refs: [],
    environments: [environment],
  };
}

function outcome(
  facts: ReleaseFacts,
  requirement: Requirement,
  exceptions: ReadonlyMap<string, ExceptionFact>,
): Outcome {
  switch (requirement.kind) {
    case "build":
      return perArtifact(facts, "build", (a) => facts.builds.find((b) => b.artifact === a)?.ref);
    case "sbom":
      return perArtifact(facts, "SBOM", (a) => facts.sboms.find((s) => s.artifact === a)?.ref);
    case "tests-passed":
      return testsPassed(facts, requirement.testKind);
    case "scan-clean":
      return scanClean(facts, requirement);
    case "approvals":
      return approvals(facts, requirement);
    case "policy-allow":
      return policyAllow(facts, requirement, exceptions);
    case "independent-review":
      return independentReview(facts);
    case "monitoring":
      return monitoring(facts, requirement.environment);
  }
}

/** An open exception for the control, service and environments at `time`. */
function waiver(
  control: Control,
  facts: ReleaseFacts,
  environments: readonly string[],
  exceptions: ReadonlyMap<string, ExceptionFact>,
  time: string,
): ExceptionFact | undefined {
  for (const exception of exceptions.values()) {
    if (!exception.controls.includes(control.id)) continue;
    if (exception.service && facts.service && exception.service !== facts.service) continue;
    if (environments.some((env) => !exception.environments.includes(env))) continue;
    if (exceptionOpenAt(exception, time)) return exception;
  }
  return undefined;
}

/**
 * Evaluates the controls of the map that apply to the release's change category. `whole` says
 * the pack holds the release's stream from seq 1 (otherwise a gap may be evidence outside the
 * pack, and is reported as incomplete). Exceptions that name a control id waive its gaps while
 * open at the release's last deployment (or at `now` when nothing was deployed).
 */
export function evaluateRelease(
  facts: ReleaseFacts,
  map: ControlMap,
  exceptions: ReadonlyMap<string, ExceptionFact>,
  options: { readonly whole: boolean; readonly now: string },
): ReleaseEvaluation {
  const lastDeploy = facts.deploys.reduce<string | undefined>(
    (last, d) => (last === undefined || d.ref.at > last ? d.ref.at : last),
    undefined,
  );
  const time = lastDeploy ?? options.now;
  const results = controlsFor(map, facts.category).map((control): ControlResult => {
    const found = outcome(facts, control.requirement, exceptions);
    const base = { control, summary: found.summary, details: found.details, refs: found.refs };
    if (found.status === "pass" && found.waivedBy && found.waivedBy.length > 0) {
      return {
        ...base,
        status: "excepted",
        summary: `${found.summary} (${found.waivedBy.join(", ")})`,
      };
    }
    if (found.status !== "gap") return { ...base, status: found.status };
    const environments = found.environments ?? [
      ...new Set(facts.deploys.map((d) => d.environment)),
    ];
    const exception = waiver(control, facts, environments, exceptions, time);
    if (exception) {
      return {
        ...base,
        status: "excepted",
        summary: `${found.summary}; waived by ${exception.exceptionId} until ${exception.expiresAt}`,
        refs: [...found.refs, exception.ref],
      };
    }
    if (!options.whole) {
      return {
        ...base,
        status: "incomplete",
        summary: `${found.summary}, in the records this pack holds; the release has evidence outside it`,
      };
    }
    if (facts.omitted > 0) {
      return {
        ...base,
        status: "gap",
        details: [
          ...found.details,
          `${facts.omitted} facts of this release were counted but not kept; the pack's records hold them all`,
        ],
      };
    }
    return { ...base, status: "gap" };
  });
  return { category: facts.category, results };
}
