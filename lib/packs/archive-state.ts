import { createHash } from "node:crypto";
import type { ArchiveLockEntry } from "../core/pack/extensions.ts";
import { recordKey } from "../pipeline/archive.ts";
import type { LockedObjects, ObjectVersion } from "./bucket.ts";

/** Base64 SHA-256, the form S3 reports checksums in. */
export function sha256Base64(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

/** The key prefix of a stream's archived records: `records/<2 hex>/<stream>/`. */
export function streamPrefix(stream: string): string {
  const key = recordKey(stream, 1);
  return key.slice(0, key.lastIndexOf("/") + 1);
}

/**
 * The versions archived for each record of one stream, in seq order, from one listing of the
 * stream's prefix (keys sort by seq: it is zero-padded). A record with no object gets none
 * without a request of its own; listing pages hold 1,000 versions, so memory stays flat.
 */
export class StreamVersions {
  private readonly listing: AsyncIterator<ObjectVersion>;
  private pending: ObjectVersion | undefined;
  private done = false;

  constructor(objects: LockedObjects, stream: string, fromSeq: number) {
    const prefix = streamPrefix(stream);
    const startAfter = fromSeq > 1 ? recordKey(stream, fromSeq - 1) : undefined;
    this.listing = objects.versions(prefix, startAfter)[Symbol.asyncIterator]();
  }

  /** The versions of `key` (newest first); call with keys in ascending order. */
  async of(key: string): Promise<ObjectVersion[]> {
    const found: ObjectVersion[] = [];
    for (;;) {
      if (this.pending === undefined) {
        if (this.done) return found;
        const next = await this.listing.next();
        if (next.done) {
          this.done = true;
          return found;
        }
        this.pending = next.value;
      }
      if (this.pending.key < key) {
        this.pending = undefined;
        continue;
      }
      if (this.pending.key > key) return found;
      found.push(this.pending);
      this.pending = undefined;
    }
  }
}

/**
 * The archive-locks entry of one record: HeadObject on every version at its key, the version
 * whose content is the record's line (by SHA-256) chosen, else the oldest.
 */
export async function lockEntry(
  objects: LockedObjects,
  location: { readonly stream: string; readonly seq: number },
  versions: readonly ObjectVersion[],
  lineSha256: string,
): Promise<ArchiveLockEntry> {
  const key = recordKey(location.stream, location.seq);
  const base = { stream: location.stream, seq: location.seq, key };
  if (versions.length === 0) {
    return { ...base, archived: false, versions: 0, legalHold: false, copy: "unchecked" };
  }
  const states = await Promise.all(
    versions.map(async (version) => ({
      version,
      state: await objects.head(key, version.versionId),
    })),
  );
  const present = states.filter((s) => s.state !== undefined);
  const chosen = present.find((s) => s.state?.sha256 === lineSha256) ?? present[present.length - 1];
  if (!chosen?.state) {
    return { ...base, archived: false, versions: 0, legalHold: false, copy: "unchecked" };
  }
  const { state, version } = chosen;
  return {
    ...base,
    archived: true,
    versions: present.length,
    versionId: version.versionId,
    ...(state.lockMode ? { lockMode: state.lockMode } : {}),
    ...(state.retainUntil ? { retainUntil: state.retainUntil.toISOString() } : {}),
    legalHold: state.legalHold,
    copy:
      state.sha256 === undefined
        ? "unchecked"
        : state.sha256 === lineSha256
          ? "identical"
          : "different",
  };
}
