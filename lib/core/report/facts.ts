import type { JsonObject, JsonValue } from "../canonical/json-value.ts";
import { CHANGE_CATEGORIES } from "../controls/map.ts";
import type { ChangeCategory } from "../events/index.ts";
import type { EvidenceRecord } from "../records/types.ts";

/**
 * The facts a report needs, read from the events of one release: who did what, to which
 * artifact, where and when. Pure: built record by record from the pack's records, with every
 * list bounded so a release of any size is summarized in bounded memory.
 */

/** Where a fact was read: the record (stream and seq) and the event's own time. */
export interface EvidenceRef {
  readonly stream: string;
  readonly seq: number;
  readonly eventId: string;
  readonly at: string;
}

export interface Person {
  readonly id: string;
  readonly displayName?: string;
}

export interface CommitFact {
  readonly commit: string;
  readonly repository?: string;
  readonly branch?: string;
  readonly author?: Person;
  readonly title?: string;
  readonly signature?: string;
  readonly ref: EvidenceRef;
}

export interface ReviewFact {
  readonly commit?: string;
  readonly reviewer: Person;
  readonly decision: string;
  readonly pullRequest?: number;
  readonly ref: EvidenceRef;
}

export interface BuildFact {
  readonly artifact: string;
  readonly commit?: string;
  readonly buildId: string;
  readonly artifactName?: string;
  readonly builder?: string;
  readonly ref: EvidenceRef;
}

export interface SbomFact {
  readonly artifact: string;
  readonly format: string;
  readonly components?: number;
  readonly ref: EvidenceRef;
}

export interface TestFact {
  readonly artifact: string;
  readonly environment?: string;
  readonly suite: string;
  readonly kind: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly protocol?: string;
  readonly ref: EvidenceRef;
}

export interface ScanFact {
  readonly artifact?: string;
  readonly commit?: string;
  readonly kind: string;
  readonly scanner: string;
  readonly findings: Readonly<Record<string, number>>;
  readonly ref: EvidenceRef;
}

export interface PolicyFact {
  readonly policy: string;
  readonly decision: string;
  readonly violations: ReadonlyArray<{ rule: string; message: string; exceptionId?: string }>;
  readonly ref: EvidenceRef;
}

export interface ApprovalFact {
  readonly environment: string;
  readonly artifact: string;
  readonly approver: Person;
  readonly decision: string;
  readonly requiredApprovals: number;
  readonly changeRequest?: string;
  readonly comment?: string;
  readonly ref: EvidenceRef;
}

export interface DeployFact {
  readonly environment: string;
  readonly artifact: string;
  readonly phase: "started" | "completed" | "failed";
  readonly deploymentId: string;
  readonly account?: string;
  readonly region?: string;
  readonly strategy?: string;
  readonly reason?: string;
  readonly ref: EvidenceRef;
}

export interface RollbackFact {
  readonly environment: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly trigger?: string;
  readonly region?: string;
  readonly ref: EvidenceRef;
}

export interface MonitoringFact {
  readonly environment: string;
  readonly from?: string;
  readonly to?: string;
  readonly ref: EvidenceRef;
}

/** Everything read from one release's records in the pack. */
export interface ReleaseFacts {
  readonly releaseId: string;
  readonly stream: string;
  service?: string;
  firstSeq: number;
  headSeq: number;
  records: number;
  /** The category from change.classified (the latest), else from any event's changeCategory. */
  category?: ChangeCategory;
  categoryRationale?: string;
  riskTier?: string;
  readonly commits: CommitFact[];
  readonly reviews: ReviewFact[];
  readonly builds: BuildFact[];
  readonly sboms: SbomFact[];
  readonly tests: TestFact[];
  readonly scans: ScanFact[];
  readonly policies: PolicyFact[];
  readonly approvals: ApprovalFact[];
  readonly deploys: DeployFact[];
  readonly rollbacks: RollbackFact[];
  readonly monitoring: MonitoringFact[];
  /** Facts left out because a list reached {@link MAX_FACTS_PER_KIND}. */
  omitted: number;
  /** True when a category was seen on events other than change.classified only. */
  classifiedBy?: "change.classified" | "envelope";
}

/** An exception read from the control/exceptions stream. */
export interface ExceptionFact {
  readonly exceptionId: string;
  readonly service?: string;
  readonly controls: readonly string[];
  readonly environments: readonly string[];
  readonly approvedAt: string;
  readonly expiresAt: string;
  readonly approver?: Person;
  readonly riskOwner?: Person;
  readonly justification: string;
  revokedAt?: string;
  revokeReason?: string;
  readonly ref: EvidenceRef;
}

/** Facts kept per kind per release; beyond it facts are counted, not kept. */
export const MAX_FACTS_PER_KIND = 500;

export function emptyReleaseFacts(releaseId: string, stream: string, seq: number): ReleaseFacts {
  return {
    releaseId,
    stream,
    firstSeq: seq,
    headSeq: seq,
    records: 0,
    commits: [],
    reviews: [],
    builds: [],
    sboms: [],
    tests: [],
    scans: [],
    policies: [],
    approvals: [],
    deploys: [],
    rollbacks: [],
    monitoring: [],
    omitted: 0,
  };
}

function member(value: JsonValue | undefined, name: string): JsonValue | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return (value as JsonObject)[name];
}

function str(value: JsonValue | undefined, ...path: string[]): string | undefined {
  let current = value;
  for (const name of path) current = member(current, name);
  return typeof current === "string" ? current : undefined;
}

function num(value: JsonValue | undefined, ...path: string[]): number | undefined {
  let current = value;
  for (const name of path) current = member(current, name);
  return typeof current === "number" ? current : undefined;
}

function person(value: JsonValue | undefined): Person | undefined {
  const id = str(value, "id");
  if (id === undefined) return undefined;
  const displayName = str(value, "displayName");
  return displayName === undefined ? { id } : { id, displayName };
}

function push<T>(facts: ReleaseFacts, list: T[], item: T): void {
  if (list.length >= MAX_FACTS_PER_KIND) facts.omitted++;
  else list.push(item);
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function isCategory(value: string | undefined): value is ChangeCategory {
  return value !== undefined && (CHANGE_CATEGORIES as readonly string[]).includes(value);
}

/** Adds one record of the release's stream to its facts. */
export function addReleaseRecord(facts: ReleaseFacts, record: EvidenceRecord): void {
  const event = record.event;
  facts.records++;
  facts.headSeq = record.seq;
  const type = str(event, "type") ?? "";
  const subject = member(event, "subject");
  const data = member(event, "data");
  const ref: EvidenceRef = {
    stream: record.stream,
    seq: record.seq,
    eventId: str(event, "id") ?? "",
    at: str(event, "occurredAt") ?? record.receivedAt,
  };
  facts.service ??= str(subject, "service");
  const category = str(event, "changeCategory");
  if (type === "change.classified" && isCategory(category)) {
    facts.category = category;
    facts.classifiedBy = "change.classified";
    const rationale = str(data, "rationale");
    if (rationale !== undefined) facts.categoryRationale = rationale;
    const tier = str(data, "riskTier");
    if (tier !== undefined) facts.riskTier = tier;
  } else if (isCategory(category) && facts.classifiedBy !== "change.classified") {
    facts.category = category;
    facts.classifiedBy = "envelope";
  }
  const artifact = str(subject, "artifactDigest");
  const commit = str(subject, "commit");
  const environment = str(subject, "environment");
  switch (type) {
    case "commit.pushed":
      if (commit)
        push(
          facts,
          facts.commits,
          defined({
            commit,
            repository: str(subject, "repository"),
            branch: str(data, "branch"),
            author: person(member(data, "author")),
            title: str(data, "title"),
            signature: str(data, "signature"),
            ref,
          }),
        );
      break;
    case "review.submitted": {
      const reviewer = person(member(data, "reviewer"));
      if (reviewer)
        push(
          facts,
          facts.reviews,
          defined({
            commit,
            reviewer,
            decision: str(data, "decision") ?? "",
            pullRequest: num(data, "pullRequest", "number"),
            ref,
          }),
        );
      break;
    }
    case "build.completed":
      if (artifact)
        push(
          facts,
          facts.builds,
          defined({
            artifact,
            commit,
            buildId: str(data, "buildId") ?? "",
            artifactName: str(data, "artifactName"),
            builder: str(data, "builder", "id"),
            ref,
          }),
        );
      break;
    case "sbom.generated":
      if (artifact)
        push(
          facts,
          facts.sboms,
          defined({
            artifact,
            format: `${str(data, "format") ?? "?"} ${str(data, "formatVersion") ?? ""}`.trim(),
            components: num(data, "componentCount"),
            ref,
          }),
        );
      break;
    case "test.completed":
      if (artifact)
        push(
          facts,
          facts.tests,
          defined({
            artifact,
            environment,
            suite: str(data, "suite") ?? "",
            kind: str(data, "kind") ?? "",
            passed: num(data, "passed") ?? 0,
            failed: num(data, "failed") ?? 0,
            skipped: num(data, "skipped") ?? 0,
            protocol: str(data, "protocol"),
            ref,
          }),
        );
      break;
    case "scan.completed": {
      const findings: Record<string, number> = {};
      for (const severity of ["critical", "high", "medium", "low", "info"]) {
        findings[severity] = num(data, "findings", severity) ?? 0;
      }
      push(
        facts,
        facts.scans,
        defined({
          artifact,
          commit,
          kind: str(data, "kind") ?? "",
          scanner:
            `${str(data, "scanner", "name") ?? "?"} ${str(data, "scanner", "version") ?? ""}`.trim(),
          findings,
          ref,
        }),
      );
      break;
    }
    case "policy.evaluated": {
      const list = member(data, "violations");
      const violations = Array.isArray(list)
        ? list.map((v) =>
            defined({
              rule: str(v, "rule") ?? "",
              message: str(v, "message") ?? "",
              exceptionId: str(v, "exceptionId"),
            }),
          )
        : [];
      push(facts, facts.policies, {
        policy: `${str(data, "policy", "id") ?? "?"} v${str(data, "policy", "version") ?? "?"}`,
        decision: str(data, "decision") ?? "",
        violations,
        ref,
      });
      break;
    }
    case "approval.decided": {
      const approver = person(member(data, "approver"));
      if (approver && environment && artifact)
        push(
          facts,
          facts.approvals,
          defined({
            environment,
            artifact,
            approver,
            decision: str(data, "decision") ?? "",
            requiredApprovals: num(data, "requiredApprovals") ?? 1,
            changeRequest: str(data, "changeRequest"),
            comment: str(data, "comment"),
            ref,
          }),
        );
      break;
    }
    case "deploy.started":
    case "deploy.completed":
    case "deploy.failed":
      if (environment && artifact)
        push(
          facts,
          facts.deploys,
          defined({
            environment,
            artifact,
            phase: type.slice("deploy.".length) as DeployFact["phase"],
            deploymentId: str(data, "deploymentId") ?? "",
            account: str(data, "account"),
            region: str(data, "region"),
            strategy: str(data, "strategy"),
            reason: str(data, "reason"),
            ref,
          }),
        );
      break;
    case "rollback.completed":
      if (environment)
        push(
          facts,
          facts.rollbacks,
          defined({
            environment,
            from: str(data, "fromDigest") ?? "",
            to: str(data, "toDigest") ?? "",
            reason: str(data, "reason") ?? "",
            trigger: str(data, "trigger"),
            region: str(data, "region"),
            ref,
          }),
        );
      break;
    case "monitoring.baseline":
      if (environment)
        push(
          facts,
          facts.monitoring,
          defined({
            environment,
            from: str(data, "observationWindow", "from"),
            to: str(data, "observationWindow", "to"),
            ref,
          }),
        );
      break;
  }
}

/** Reads an exception event (approved or revoked) into `exceptions`, keyed by exception id. */
export function addExceptionRecord(
  exceptions: Map<string, ExceptionFact>,
  record: EvidenceRecord,
  max: number,
): void {
  const event = record.event;
  const type = str(event, "type");
  const data = member(event, "data");
  const exceptionId = str(data, "exceptionId");
  if (exceptionId === undefined) return;
  const ref: EvidenceRef = {
    stream: record.stream,
    seq: record.seq,
    eventId: str(event, "id") ?? "",
    at: str(event, "occurredAt") ?? record.receivedAt,
  };
  if (type === "exception.approved") {
    if (exceptions.size >= max && !exceptions.has(exceptionId)) return;
    const strings = (value: JsonValue | undefined) =>
      Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
    exceptions.set(
      exceptionId,
      defined({
        exceptionId,
        service: str(member(event, "subject"), "service"),
        controls: strings(member(member(data, "scope"), "controls")),
        environments: strings(member(member(data, "scope"), "environments")),
        approvedAt: ref.at,
        expiresAt: str(data, "expiresAt") ?? ref.at,
        approver: person(member(data, "approver")),
        riskOwner: person(member(data, "riskOwner")),
        justification: str(data, "justification") ?? "",
        ref,
      }),
    );
  } else if (type === "exception.revoked") {
    const known = exceptions.get(exceptionId);
    if (known) {
      known.revokedAt = ref.at;
      const reason = str(data, "reason");
      if (reason !== undefined) known.revokeReason = reason;
    }
  }
}

/** Whether an exception waives things at `time` (approved before, not expired, not revoked). */
export function exceptionOpenAt(exception: ExceptionFact, time: string): boolean {
  const at = Date.parse(time);
  if (Date.parse(exception.approvedAt) > at) return false;
  if (Date.parse(exception.expiresAt) <= at) return false;
  if (exception.revokedAt !== undefined && Date.parse(exception.revokedAt) <= at) return false;
  return true;
}
