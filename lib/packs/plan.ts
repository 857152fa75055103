import { CONTROL_STREAMS, releaseStream } from "../core/records/index.ts";
import { PackServiceError } from "./errors.ts";
import type { EvidenceSource, RecordLocation } from "./evidence-source.ts";
import { describeScope, type RequestScope } from "./scope.ts";

/** One stream of a pack: records `fromSeq`..`toSeq`, whole when that is seq 1 to its head. */
export interface PlannedRange {
  readonly stream: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly whole: boolean;
}

/** What a pack will hold, fixed before assembly starts (records appended later are left out). */
export interface PackPlan {
  readonly scope: RequestScope;
  readonly ranges: readonly PlannedRange[];
  /** How the streams were found, for the completeness statement. */
  readonly resolvedBy: string;
  /** The releases the pack holds (their ids). */
  readonly releases: readonly string[];
  readonly records: number;
}

const EXCEPTIONS = CONTROL_STREAMS["exception."];
const RELEASE_PREFIX = "release/";

/** Control streams first (exceptions first of all, so waivers are known), then releases by name. */
function streamOrder(a: string, b: string): number {
  const rank = (s: string) => (s === EXCEPTIONS ? 0 : s.startsWith(RELEASE_PREFIX) ? 2 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The UTC days (YYYY-MM-DD) a window touches. */
export function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(to);
  let day = Date.parse(`${new Date(from).toISOString().slice(0, 10)}T00:00:00.000Z`);
  while (day < end) {
    days.push(new Date(day).toISOString().slice(0, 10));
    day += 86_400_000;
  }
  return days;
}

async function wholeStream(
  source: EvidenceSource,
  stream: string,
): Promise<PlannedRange | undefined> {
  const head = await source.readHead(stream);
  return head ? { stream, fromSeq: 1, toSeq: head.seq, whole: true } : undefined;
}

async function releasesFound(found: AsyncIterable<RecordLocation>): Promise<string[]> {
  const streams = new Set<string>();
  for await (const location of found) {
    if (location.stream.startsWith(RELEASE_PREFIX)) streams.add(location.stream);
  }
  return [...streams];
}

/** The service named by a signed record's event, read from its canonical JSON. */
function serviceOf(signed: string | undefined): string | undefined {
  if (signed === undefined) return undefined;
  const parsed = JSON.parse(signed) as { record?: { event?: { subject?: { service?: unknown } } } };
  const service = parsed.record?.event?.subject?.service;
  return typeof service === "string" ? service : undefined;
}

async function planWindow(
  scope: Extract<RequestScope, { kind: "window" }>,
  source: EvidenceSource,
): Promise<PlannedRange[]> {
  const from = new Date(scope.from).toISOString();
  const to = new Date(scope.to).toISOString();
  const spans = new Map<string, { min: number; max: number }>();
  for (const day of daysOf(from, to)) {
    for await (const found of source.receivedBetween(day, from, to, scope.service !== undefined)) {
      if (scope.service !== undefined && serviceOf(found.signed) !== scope.service) continue;
      const span = spans.get(found.stream);
      if (span) {
        span.min = Math.min(span.min, found.seq);
        span.max = Math.max(span.max, found.seq);
      } else spans.set(found.stream, { min: found.seq, max: found.seq });
    }
  }
  const ranges: PlannedRange[] = [];
  for (const [stream, span] of spans) {
    const head = span.min === 1 ? await source.readHead(stream) : undefined;
    ranges.push({
      stream,
      fromSeq: span.min,
      toSeq: span.max,
      whole: span.min === 1 && head?.seq === span.max,
    });
  }
  return ranges;
}

/**
 * Resolves a scope to the streams and seq ranges a pack holds:
 * - a release: its stream from seq 1 to its current head;
 * - a commit or an artifact digest: every release whose records name it (the byCommit or
 *   byArtifactDigest index), each whole;
 * - a window: for every stream with a record received in the window (the byDay index), the
 *   segment from its first to its last record in the window.
 * Release, commit and artifact packs also hold the exceptions stream whole, since exceptions
 * waive controls; window packs hold its segment like any other stream's.
 */
export async function resolvePlan(scope: RequestScope, source: EvidenceSource): Promise<PackPlan> {
  let ranges: PlannedRange[];
  let resolvedBy: string;
  if (scope.kind === "window") {
    ranges = await planWindow(scope, source);
    resolvedBy = `the event table's byDay index, for records received from ${scope.from} to ${scope.to}${scope.service ? ` naming service ${scope.service}` : ""}`;
  } else {
    let streams: string[];
    if (scope.kind === "release") {
      streams = [releaseStream(scope.releaseId)];
      resolvedBy = "the release's own stream";
    } else if (scope.kind === "commit") {
      streams = await releasesFound(source.byIndex("byCommit", scope.commit));
      resolvedBy = `the event table's byCommit index (releases whose records name commit ${scope.commit})`;
    } else {
      streams = await releasesFound(source.byIndex("byArtifactDigest", scope.artifactDigest));
      resolvedBy = `the event table's byArtifactDigest index (releases whose records name ${scope.artifactDigest})`;
    }
    const found = await Promise.all(streams.map((stream) => wholeStream(source, stream)));
    ranges = found.filter((range): range is PlannedRange => range !== undefined);
    if (ranges.length > 0) {
      const exceptions = await wholeStream(source, EXCEPTIONS);
      if (exceptions) ranges.push(exceptions);
    }
  }
  if (!ranges.some((range) => range.stream.startsWith(RELEASE_PREFIX)) && scope.kind !== "window") {
    throw new PackServiceError(
      "nothing-in-scope",
      `no evidence is recorded for ${describeScope(scope)}; check the ${scope.kind} and that its events were accepted (evidence local status, or the quarantine)`,
    );
  }
  if (ranges.length === 0) {
    throw new PackServiceError(
      "nothing-in-scope",
      `no evidence was received from ${scope.kind === "window" ? `${scope.from} to ${scope.to}` : "the scope"}; widen the window`,
    );
  }
  ranges.sort((a, b) => streamOrder(a.stream, b.stream));
  return {
    scope,
    ranges,
    resolvedBy,
    releases: ranges
      .filter((r) => r.stream.startsWith(RELEASE_PREFIX))
      .map((r) => r.stream.slice(RELEASE_PREFIX.length)),
    records: ranges.reduce((sum, r) => sum + (r.toSeq - r.fromSeq + 1), 0),
  };
}
