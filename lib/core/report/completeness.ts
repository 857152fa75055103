import type { Digest } from "../digest.ts";
import { type Completeness, type CompletenessStream, PACK_EXTENSIONS } from "../pack/extensions.ts";
import type { ManifestStream, PackScope } from "../pack/format.ts";
import { GENESIS_DIGEST } from "../records/types.ts";

/** A stream as the assembler planned it: whole (seq 1 to head) or a segment of a window. */
export interface PlannedStream {
  readonly stream: string;
  readonly whole: boolean;
}

const RELEASE = "release/";

function releaseOf(stream: string): string | undefined {
  return stream.startsWith(RELEASE) ? stream.slice(RELEASE.length) : undefined;
}

/**
 * The plain statement of what a pack proves complete (completeness.json and the report's
 * section), from its scope, the streams written (as the manifest lists them) and how the
 * streams were found. Per release, a whole stream is provably all of it; across releases in a
 * window, nothing signed yet proves that every stream the window touches is present, and the
 * statement says so.
 */
export function completenessStatement(input: {
  readonly scope: PackScope;
  readonly generatedAt: string;
  readonly resolvedBy: string;
  readonly streams: readonly ManifestStream[];
  readonly planned: readonly PlannedStream[];
}): Completeness {
  const planned = new Map(input.planned.map((p) => [p.stream, p.whole]));
  const streams: CompletenessStream[] = input.streams.map((s) => ({
    stream: s.stream,
    firstSeq: s.firstSeq,
    headSeq: s.headSeq,
    whole: (planned.get(s.stream) ?? false) && s.firstSeq === 1,
    firstPrev: s.firstSeq === 1 ? GENESIS_DIGEST : ((s.firstPrev ?? GENESIS_DIGEST) as Digest),
  }));
  const at = input.generatedAt;
  const releases = streams.filter((s) => releaseOf(s.stream) !== undefined);
  const wholeReleases = releases.filter((s) => s.whole);
  const proven: string[] = [];
  const notProven: string[] = [];
  const chain =
    "the verifier checks every record's signature and its link to the record before it, and that the stream ends at the head the signed manifest names, so no record in the range can be removed, added, changed or reordered without failing verification";
  for (const s of wholeReleases) {
    proven.push(
      `Release ${releaseOf(s.stream)}: all of its evidence recorded up to ${at}, seq 1 to ${s.headSeq} of ${s.stream}; ${chain}.`,
    );
  }
  const segments = streams.filter((s) => !s.whole);
  if (segments.length > 0) {
    proven.push(
      `For each of the ${segments.length} stream segment(s), the records from the first to the last one in scope, without a gap: the segment starts at the digest its first record links to (signed in the manifest as firstPrev) and ${chain.replace("the verifier checks", "the verifier also checks")}.`,
    );
  }
  const controls = streams.filter((s) => s.whole && releaseOf(s.stream) === undefined);
  for (const s of controls) {
    proven.push(`${s.stream}: every record up to ${at}, seq 1 to ${s.headSeq}.`);
  }
  notProven.push(
    `Evidence recorded after ${at} is not in the pack; request a new pack to include it.`,
  );
  switch (input.scope.kind) {
    case "release":
      break;
    case "commit":
    case "artifact": {
      const what = input.scope.kind === "commit" ? "commit" : "artifact digest";
      proven.push(
        `The pack holds every release found naming the ${what} (${wholeReleases.length}), each whole.`,
      );
      notProven.push(
        `That no other release names the ${what}: releases were found through the event table's ${input.scope.kind === "commit" ? "byCommit" : "byArtifactDigest"} index, which nothing in the pack signs, and which is eventually consistent (evidence recorded seconds before the request may be missed).`,
      );
      break;
    }
    case "window":
      notProven.push(
        "Completeness across releases in the window is not yet proven: the streams the window touches were found through the event table's byDay index, and nothing signed proves that no other stream has a record in the window.",
        "A segment proves nothing about the records before its first or after its last record; a release's controls are judged only on the records the window holds.",
      );
      break;
  }
  return {
    extension: PACK_EXTENSIONS.completeness,
    scope: input.scope,
    generatedAt: at,
    resolvedBy: input.resolvedBy,
    streams,
    proven,
    notProven,
  };
}
