import type { Digest } from "../digest.ts";
import { SIGNING_ALGORITHM } from "../signing/keys.ts";
import { MANIFEST_STATEMENT } from "../statement/index.ts";

/**
 * Evidence pack format v1: one gzip-compressed ustar archive whose entries come in this order:
 * `public-key.pem`, `records/000001.jsonl`..., any further files, `manifest.json`,
 * `manifest.sig.json`. docs/pack-format.md is the full description.
 */
export const PACK_FORMAT_VERSION = "evidence-pack/v1";

export const PUBLIC_KEY_PATH = "public-key.pem";
export const MANIFEST_PATH = "manifest.json";
export const MANIFEST_SIGNATURE_PATH = "manifest.sig.json";
/** Paths the format itself defines; further files may not take them. */
export const RESERVED_PATHS: ReadonlySet<string> = new Set([
  PUBLIC_KEY_PATH,
  MANIFEST_PATH,
  MANIFEST_SIGNATURE_PATH,
]);

/** At most this many records in one records file, so reading and writing stay flat in memory. */
export const MAX_RECORDS_PER_CHUNK = 10_000;
/** A records file is also closed before it passes this size (one oversized record still fits). */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** The manifest and signature files are read whole; larger ones are refused as damaged. */
export const MAX_METADATA_BYTES = 64 * 1024 * 1024;

const CHUNK_PATTERN = /^records\/([0-9]{6,})\.jsonl$/;
/** Further files: relative paths of safe characters, no `..` segments, at most 100 bytes (ustar). */
const FILE_PATH_PATTERN = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** Path of the `index`-th records file (1-based): `records/000001.jsonl`. */
export function chunkPath(index: number): string {
  return `records/${String(index).padStart(6, "0")}.jsonl`;
}

/** The 1-based index of a records file path, or undefined for any other path. */
export function chunkIndex(path: string): number | undefined {
  const match = CHUNK_PATTERN.exec(path);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** True for a path a further file may have: relative, plain characters, not reserved. */
export function isExtraFilePath(path: string): boolean {
  return (
    path.length <= 100 &&
    FILE_PATH_PATTERN.test(path) &&
    !RESERVED_PATHS.has(path) &&
    chunkIndex(path) === undefined &&
    !path.startsWith("records/")
  );
}

/** What a pack covers. A later format revision may add kinds; readers refuse kinds they lack. */
export const SCOPE_KINDS = ["release", "commit", "artifact", "window"] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/**
 * The scope a pack was generated for: a release id, a commit, an artifact digest, or a time
 * window written as an ISO 8601 interval `start/end`.
 */
export type PackScope = { readonly kind: ScopeKind; readonly value: string };

/**
 * One stream in the pack: records `firstSeq`..`headSeq`, all present, the last one `headDigest`.
 * A segment that starts after seq 1 (a time-window pack) also names `firstPrev`, the digest its
 * first record links to, so the segment cannot be cut short at its start unnoticed.
 */
export interface ManifestStream {
  readonly stream: string;
  readonly firstSeq: number;
  readonly headSeq: number;
  readonly headDigest: Digest;
  readonly records: number;
  readonly firstPrev?: Digest;
}

/** One archive entry other than the manifest and its signature. */
export interface ManifestFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: Digest;
}

/**
 * manifest.json: what the pack holds, signed through manifest.sig.json. Readers ignore members
 * they do not know; a change that old readers would misread takes a new `formatVersion`.
 */
export interface PackManifest {
  readonly formatVersion: typeof PACK_FORMAT_VERSION;
  readonly packId: string;
  readonly scope: PackScope;
  readonly generatedAt: string;
  readonly generator: {
    readonly name: string;
    readonly version: string;
    readonly identity: string;
  };
  readonly key: {
    readonly keyId: string;
    /** SHA-256 of the DER SPKI in public-key.pem, hex. */
    readonly fingerprint: string;
    readonly algorithm: typeof SIGNING_ALGORITHM;
  };
  readonly streams: readonly ManifestStream[];
  readonly counts: { readonly records: number; readonly streams: number; readonly files: number };
  readonly files: readonly ManifestFile[];
  /**
   * Versioned extensions of v1 the pack uses (see lib/core/pack/extensions.ts), such as
   * `archive-locks/v1`; absent when it uses none. Readers that do not know one may ignore it:
   * every extension only adds files and optional members.
   */
  readonly extensions?: readonly string[];
}

/** manifest.sig.json: the signature over the manifest statement (digest of manifest.json, packId, time, key). */
export interface PackSignature {
  readonly statement: typeof MANIFEST_STATEMENT;
  readonly signature: {
    readonly keyId: string;
    readonly algorithm: typeof SIGNING_ALGORITHM;
    readonly signedAt: string;
    /** DER signature, base64. */
    readonly value: string;
    readonly requestId?: string;
  };
}

// Shape checks, written out rather than compiled from a schema library: the verifier's main
// thread reads two small files with them, and loading a schema library there would cost more
// memory than the whole check.
type Shape = (value: unknown, path: string) => string | undefined;

const text: Shape = (value, path) =>
  typeof value === "string" && value.length > 0
    ? undefined
    : `${path}: expected a non-empty string`;
const count: Shape = (value, path) =>
  Number.isSafeInteger(value) && (value as number) >= 0
    ? undefined
    : `${path}: expected a whole number`;
const seq: Shape = (value, path) =>
  Number.isSafeInteger(value) && (value as number) >= 1
    ? undefined
    : `${path}: expected a seq (1 or more)`;
const matching =
  (pattern: RegExp, what: string): Shape =>
  (value, path) =>
    typeof value === "string" && pattern.test(value) ? undefined : `${path}: expected ${what}`;
const exactly =
  (expected: string): Shape =>
  (value, path) =>
    value === expected ? undefined : `${path}: expected "${expected}"`;
const digest = matching(/^sha256:[0-9a-f]{64}$/, "a digest sha256:<64 hex>");
const optional =
  (shape: Shape): Shape =>
  (value, path) =>
    value === undefined ? undefined : shape(value, path);

function object(members: Record<string, Shape>): Shape {
  return (value, path) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return `${path}: expected an object`;
    }
    for (const [name, shape] of Object.entries(members)) {
      const problem = shape((value as Record<string, unknown>)[name], `${path}/${name}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

function array(item: Shape): Shape {
  return (value, path) => {
    if (!Array.isArray(value)) return `${path}: expected an array`;
    for (const [index, element] of value.entries()) {
      const problem = item(element, `${path}/${index}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const manifestShape = object({
  formatVersion: exactly(PACK_FORMAT_VERSION),
  packId: text,
  scope: object({ kind: text, value: text }),
  generatedAt: text,
  generator: object({ name: text, version: text, identity: text }),
  key: object({
    keyId: text,
    fingerprint: matching(/^[0-9a-f]{64}$/, "a SHA-256 fingerprint of 64 hex digits"),
    algorithm: exactly(SIGNING_ALGORITHM),
  }),
  streams: array(
    object({
      stream: text,
      firstSeq: seq,
      headSeq: seq,
      headDigest: digest,
      records: count,
      firstPrev: optional(digest),
    }),
  ),
  counts: object({ records: count, streams: count, files: count }),
  files: array(object({ path: text, bytes: count, sha256: digest })),
  extensions: optional(array(text)),
});

const signatureShape = object({
  statement: exactly(MANIFEST_STATEMENT),
  signature: object({
    keyId: text,
    algorithm: exactly(SIGNING_ALGORITHM),
    signedAt: text,
    value: matching(/^[A-Za-z0-9+/]+={0,2}$/, "a base64 signature"),
    requestId: optional(text),
  }),
});

/** Why `value` is not a v1 manifest (`/path: expected ...`), or undefined when it is one. */
export function manifestError(value: unknown): string | undefined {
  return manifestShape(value, "");
}

/** Why `value` is not a manifest signature file, or undefined when it is one. */
export function packSignatureError(value: unknown): string | undefined {
  return signatureShape(value, "");
}

/** Checks a scope value for its kind and returns why it is wrong, or undefined. */
export function scopeError(scope: {
  readonly kind: string;
  readonly value: string;
}): string | undefined {
  if (!(SCOPE_KINDS as readonly string[]).includes(scope.kind)) {
    return `scope kind "${scope.kind}" is not one of ${SCOPE_KINDS.join(", ")}`;
  }
  if (scope.kind === "artifact" && !/^sha256:[0-9a-f]{64}$/.test(scope.value)) {
    return "an artifact scope is a digest sha256:<64 hex>";
  }
  if (scope.kind === "window") {
    const [start, end, extra] = scope.value.split("/");
    const from = Date.parse(start ?? "");
    const to = Date.parse(end ?? "");
    if (extra !== undefined || Number.isNaN(from) || Number.isNaN(to) || from >= to) {
      return "a window scope is an interval start/end of two RFC 3339 times, start before end";
    }
  }
  return undefined;
}
