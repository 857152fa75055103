import type { LegalHoldScope } from "../core/events/index.ts";
import { releaseStream } from "../core/records/index.ts";
import { recordKey } from "../pipeline/archive.ts";
import { StreamVersions } from "./archive-state.ts";
import type { LockedObjects, ObjectVersion } from "./bucket.ts";
import { PackServiceError } from "./errors.ts";
import type { EvidenceRecorder } from "./evidence-events.ts";
import { holdAppliedEntry, holdReleasedEntry } from "./evidence-events.ts";
import type { EvidenceSource } from "./evidence-source.ts";
import { type HoldStatus, JobStateError, type LegalHoldState, type PackJobs } from "./jobs.ts";
import { daysOf } from "./plan.ts";
import { describeScope } from "./scope.ts";

/** What legal holds need, injected. */
export interface LegalHoldDeps {
  readonly source: EvidenceSource;
  readonly evidence: LockedObjects;
  readonly packs: LockedObjects;
  readonly jobs: PackJobs;
  readonly recorder: EvidenceRecorder;
  /** PutObjectLegalHold requests in flight. @default 16 */
  readonly concurrency?: number;
  readonly clock?: () => Date;
}

/** How far a hold request got. */
export interface HoldOutcome {
  readonly caseId: string;
  readonly status: HoldStatus;
  readonly scope: LegalHoldScope;
  /** True when every object version in scope was handled; otherwise call again to continue. */
  readonly complete: boolean;
  /** Object versions changed by this call. */
  readonly versions: number;
  /** Versions left under hold because another open case also covers them (release only). */
  readonly keptForOtherCases: number;
  /** Record objects and packs in scope. */
  readonly records: number;
  readonly packs: number;
  readonly appliedBy: string;
  readonly releasedBy?: string;
  readonly message: string;
}

/** One object in a hold's scope, with what other holds need to decide whether they cover it. */
interface Target {
  readonly objects: LockedObjects;
  readonly key: string;
  /** Known versions (a pack's), or undefined to list them. */
  readonly versions?: readonly ObjectVersion[];
  readonly stream?: string;
  readonly receivedAt?: string;
  readonly service?: string;
  readonly releases?: readonly string[];
  readonly window?: { readonly from: string; readonly to: string };
  readonly kind: "record" | "pack";
}

function serviceOf(signed: string | undefined): string | undefined {
  if (signed === undefined) return undefined;
  const parsed = JSON.parse(signed) as { record?: { event?: { subject?: { service?: unknown } } } };
  const service = parsed.record?.event?.subject?.service;
  return typeof service === "string" ? service : undefined;
}

function receivedAtOf(signed: string): string {
  return (JSON.parse(signed) as { record: { receivedAt: string } }).record.receivedAt;
}

async function* recordTargets(scope: LegalHoldScope, deps: LegalHoldDeps): AsyncGenerator<Target> {
  if (scope.kind === "release") {
    const stream = releaseStream(scope.releaseId);
    const head = await deps.source.readHead(stream);
    if (!head) return;
    const versions = new StreamVersions(deps.evidence, stream, 1);
    for await (const line of deps.source.streamRange(stream, 1, head.seq)) {
      const key = recordKey(stream, line.seq);
      yield {
        kind: "record",
        objects: deps.evidence,
        key,
        versions: await versions.of(key),
        stream,
        receivedAt: receivedAtOf(line.signed),
        ...(serviceOf(line.signed) ? { service: serviceOf(line.signed) as string } : {}),
      };
    }
    return;
  }
  const from = new Date(scope.from).toISOString();
  const to = new Date(scope.to).toISOString();
  for (const day of daysOf(from, to)) {
    for await (const found of deps.source.receivedBetween(day, from, to, true)) {
      const service = serviceOf(found.signed);
      if (scope.service !== undefined && service !== scope.service) continue;
      yield {
        kind: "record",
        objects: deps.evidence,
        key: recordKey(found.stream, found.seq),
        stream: found.stream,
        receivedAt: found.receivedAt,
        ...(service ? { service } : {}),
      };
    }
  }
}

function overlaps(a: { from: string; to: string }, b: { from: string; to: string }): boolean {
  return Date.parse(a.from) < Date.parse(b.to) && Date.parse(b.from) < Date.parse(a.to);
}

async function* packTargets(scope: LegalHoldScope, deps: LegalHoldDeps): AsyncGenerator<Target> {
  for await (const job of deps.jobs.readyPacks()) {
    const result = job.result;
    if (!result) continue;
    const window =
      job.scope.kind === "window" ? { from: job.scope.from, to: job.scope.to } : undefined;
    const inScope =
      scope.kind === "release"
        ? result.releases.includes(scope.releaseId)
        : window !== undefined && overlaps(window, scope);
    if (!inScope) continue;
    yield {
      kind: "pack",
      objects: deps.packs,
      key: result.key,
      ...(result.versionId ? { versions: [{ key: result.key, versionId: result.versionId }] } : {}),
      releases: result.releases,
      ...(window ? { window } : {}),
    };
  }
}

/** Whether another case's scope covers a target, so releasing this case must keep its hold. */
function covers(hold: LegalHoldState, target: Target): boolean {
  const scope = hold.scope;
  if (scope.kind === "release") {
    return target.kind === "record"
      ? target.stream === releaseStream(scope.releaseId)
      : (target.releases ?? []).includes(scope.releaseId);
  }
  if (target.kind === "pack") return target.window !== undefined && overlaps(target.window, scope);
  if (target.receivedAt === undefined) return false;
  const at = Date.parse(target.receivedAt);
  const inWindow = at >= Date.parse(scope.from) && at < Date.parse(scope.to);
  return inWindow && (scope.service === undefined || scope.service === target.service);
}

async function versionsOf(target: Target): Promise<readonly ObjectVersion[]> {
  if (target.versions) return target.versions;
  const found: ObjectVersion[] = [];
  for await (const version of target.objects.versions(target.key)) {
    if (version.key === target.key) found.push(version);
  }
  return found;
}

interface Sweep {
  readonly complete: boolean;
  readonly versions: number;
  readonly kept: number;
  readonly records: number;
  readonly packs: number;
}

/**
 * Sets the legal hold of every object version of `scope` to `on`, `concurrency` at a time,
 * until done or `outOfTime()`. With `keep`, versions another case covers are left on.
 */
async function sweep(
  scope: LegalHoldScope,
  on: boolean,
  deps: LegalHoldDeps,
  outOfTime: () => boolean,
  keep: (target: Target) => boolean = () => false,
): Promise<Sweep> {
  const limit = Math.max(1, deps.concurrency ?? 16);
  const running = new Set<Promise<void>>();
  let versions = 0;
  let kept = 0;
  let records = 0;
  let packs = 0;
  let complete = true;
  const handle = async (target: Target) => {
    const found = await versionsOf(target);
    if (keep(target)) {
      kept += found.length;
      return;
    }
    for (const version of found) {
      await target.objects.setLegalHold(target.key, version.versionId, on);
      versions++;
    }
  };
  const all = async function* () {
    yield* recordTargets(scope, deps);
    yield* packTargets(scope, deps);
  };
  let failure: unknown;
  for await (const target of all()) {
    if (failure !== undefined) break;
    if (outOfTime()) {
      complete = false;
      break;
    }
    if (target.kind === "record") records++;
    else packs++;
    const task = handle(target).catch((error: unknown) => {
      failure ??= error;
    });
    const tracked = task.finally(() => running.delete(tracked));
    running.add(tracked);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
  return { complete, versions, kept, records, packs };
}

/**
 * Places the case's legal hold on every object version in scope: each archived record of the
 * release (or received in the window) and each ready pack of that scope. Safe to call again:
 * a call that runs short of time answers `complete: false`, and the next continues. When the
 * hold is complete it is recorded as a legal-hold.applied event on the evidence bus.
 *
 * A hold covers what exists when it is applied; apply the case again to cover evidence that
 * arrived later.
 */
export async function applyLegalHold(
  input: {
    readonly caseId: string;
    readonly reason: string;
    readonly scope: LegalHoldScope;
    readonly caller: string;
  },
  deps: LegalHoldDeps,
  outOfTime: () => boolean = () => false,
): Promise<HoldOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const targets = recordTargets(input.scope, deps);
  const first = await targets.next();
  await targets.return(undefined);
  if (first.done) {
    throw new PackServiceError(
      "nothing-in-scope",
      `nothing is recorded for ${describeScope(input.scope)}, so there is nothing to hold; check the scope`,
    );
  }
  const now = clock();
  const state = await deps.jobs.beginHold({
    caseId: input.caseId,
    kind: "legal-hold",
    status: "applying",
    scope: input.scope,
    reason: input.reason,
    appliedBy: input.caller,
    appliedAt: now.toISOString(),
    versions: 0,
    updatedAt: now.toISOString(),
  });
  if (state.status === "releasing") {
    throw new PackServiceError(
      "conflict",
      `legal hold ${input.caseId} is being released; wait for the release to finish, then apply the case again`,
    );
  }
  if (!sameScope(state.scope, input.scope)) {
    throw new PackServiceError(
      "conflict",
      `legal hold ${input.caseId} already covers ${describeScope(state.scope)}; use a new case id for ${describeScope(input.scope)}`,
    );
  }
  const done = await sweep(state.scope, true, deps, outOfTime);
  const versions = state.versions + done.versions;
  if (!done.complete) {
    await deps.jobs.holdStatus(input.caseId, ["applying"], "applying", { versions }, clock());
    return outcome(
      state,
      "applying",
      done,
      `placed ${done.versions} object version(s) under hold so far; call again to continue`,
    );
  }
  if (state.status === "applying") {
    await deps.recorder.put([
      holdAppliedEntry({
        caseId: state.caseId,
        reason: state.reason,
        scope: state.scope,
        appliedBy: state.appliedBy,
        at: clock(),
      }),
    ]);
  }
  const final = await deps.jobs.holdStatus(
    input.caseId,
    ["applying", "applied"],
    "applied",
    { versions },
    clock(),
  );
  return outcome(
    final,
    "applied",
    done,
    `legal hold ${input.caseId} is on every object version of ${describeScope(state.scope)} (${done.records} record(s), ${done.packs} pack(s))`,
  );
}

/**
 * Lifts the case's legal hold, refused when the caller is the principal who applied it (a
 * second person must agree). Versions another open case also covers keep their hold. Recorded
 * as a legal-hold.released event when complete; safe to call again after `complete: false`.
 */
export async function releaseLegalHold(
  input: {
    readonly caseId: string;
    readonly reason: string;
    readonly caller: string;
    /** When given, the release is refused unless the case covers exactly this scope. */
    readonly expectedScope?: LegalHoldScope;
  },
  deps: LegalHoldDeps,
  outOfTime: () => boolean = () => false,
): Promise<HoldOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const state = await deps.jobs.getHold(input.caseId);
  if (!state) {
    throw new PackServiceError("not-found", `there is no legal hold with case id ${input.caseId}`);
  }
  if (input.expectedScope && !sameScope(input.expectedScope, state.scope)) {
    throw new PackServiceError(
      "conflict",
      `legal hold ${input.caseId} covers ${describeScope(state.scope)}, not ${describeScope(input.expectedScope)}; nothing was released`,
    );
  }
  if (state.appliedBy === input.caller) {
    throw new PackServiceError(
      "same-principal",
      `legal hold ${input.caseId} was applied by ${state.appliedBy}; it must be released by a different principal, so that no one person can both place and lift a hold`,
    );
  }
  if (state.status === "released") {
    throw new PackServiceError(
      "conflict",
      `legal hold ${input.caseId} was already released by ${state.releasedBy ?? "another principal"} at ${state.releasedAt ?? "an earlier time"}`,
    );
  }
  if (state.status === "applying") {
    throw new PackServiceError(
      "conflict",
      `legal hold ${input.caseId} is still being applied; finish applying it (call apply again) before releasing it`,
    );
  }
  if (state.status === "releasing" && state.releasedBy && state.releasedBy !== input.caller) {
    throw new PackServiceError(
      "conflict",
      `legal hold ${input.caseId} is being released by ${state.releasedBy}; let that release finish`,
    );
  }
  let releasing: LegalHoldState;
  try {
    releasing = await deps.jobs.holdStatus(
      input.caseId,
      ["applied", "releasing"],
      "releasing",
      { releasedBy: input.caller, releaseReason: input.reason },
      clock(),
    );
  } catch (error) {
    if (error instanceof JobStateError) throw new PackServiceError("conflict", error.message);
    throw error;
  }
  const others: LegalHoldState[] = [];
  for await (const hold of deps.jobs.activeHolds()) {
    if (hold.caseId !== input.caseId && hold.status !== "releasing") others.push(hold);
  }
  const done = await sweep(releasing.scope, false, deps, outOfTime, (target) =>
    others.some((hold) => covers(hold, target)),
  );
  if (!done.complete) {
    return outcome(
      releasing,
      "releasing",
      done,
      `lifted the hold from ${done.versions} object version(s) so far; call again to continue`,
    );
  }
  const at = clock();
  await deps.recorder.put([
    holdReleasedEntry({
      caseId: releasing.caseId,
      reason: input.reason,
      scope: releasing.scope,
      releasedBy: input.caller,
      at,
    }),
  ]);
  const final = await deps.jobs.holdStatus(
    input.caseId,
    ["releasing"],
    "released",
    { releasedAt: at.toISOString() },
    clock(),
  );
  return outcome(
    final,
    "released",
    done,
    `legal hold ${input.caseId} is released${done.kept > 0 ? `; ${done.kept} object version(s) stay held for other open cases` : ""}`,
  );
}

/** Same kind and members; times compared as instants. */
function sameScope(a: LegalHoldScope, b: LegalHoldScope): boolean {
  if (a.kind === "release" || b.kind === "release") {
    return a.kind === "release" && b.kind === "release" && a.releaseId === b.releaseId;
  }
  return (
    Date.parse(a.from) === Date.parse(b.from) &&
    Date.parse(a.to) === Date.parse(b.to) &&
    a.service === b.service
  );
}

function outcome(
  state: LegalHoldState,
  status: HoldStatus,
  done: Sweep,
  message: string,
): HoldOutcome {
  return {
    caseId: state.caseId,
    status,
    scope: state.scope,
    complete: done.complete,
    versions: done.versions,
    keptForOtherCases: done.kept,
    records: done.records,
    packs: done.packs,
    appliedBy: state.appliedBy,
    ...(state.releasedBy ? { releasedBy: state.releasedBy } : {}),
    message,
  };
}
