/** The parts of an event that decide its stream. */
export interface StreamKey {
  readonly type: string;
  readonly subject?: { readonly releaseId?: string | undefined } | undefined;
}

/** Streams for evidence that belongs to no release, by event type family. */
export const CONTROL_STREAMS = {
  "exception.": "control/exceptions",
  "legal-hold.": "control/legal-holds",
  "pack.": "control/packs",
  "key-usage.": "control/key-usage",
} as const;

/** Stream of release-less evidence whose type family has no control stream of its own. */
export const UNASSIGNED_STREAM = "control/unassigned";

/** Prefix of every release stream. */
export const RELEASE_STREAM_PREFIX = "release/";

/**
 * The stream an event is appended to: `release/<releaseId>` when the event names a release,
 * otherwise the control stream of its type family (see {@link CONTROL_STREAMS}), otherwise
 * {@link UNASSIGNED_STREAM}. Each stream is one hash chain with its own sequence numbers.
 *
 * @example
 * streamFor({ type: "deploy.completed", subject: { releaseId: "r-42" } }) // "release/r-42"
 * streamFor({ type: "exception.granted", subject: {} })                  // "control/exceptions"
 */
export function streamFor(event: StreamKey): string {
  const releaseId = event.subject?.releaseId;
  if (typeof releaseId === "string" && releaseId.length > 0) {
    return `${RELEASE_STREAM_PREFIX}${releaseId}`;
  }
  for (const [prefix, stream] of Object.entries(CONTROL_STREAMS)) {
    if (event.type.startsWith(prefix)) return stream;
  }
  return UNASSIGNED_STREAM;
}

/** The stream of a release. */
export function releaseStream(releaseId: string): string {
  return `${RELEASE_STREAM_PREFIX}${releaseId}`;
}
