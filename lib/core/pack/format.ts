import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
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

const Digest = Type.String({ pattern: "^sha256:[0-9a-f]{64}$" });
const Count = Type.Integer({ minimum: 0 });
const Seq = Type.Integer({ minimum: 1 });
const Text = Type.String({ minLength: 1 });

/**
 * The scope a pack was generated for: a release id, a commit, an artifact digest, or a time
 * window written as an ISO 8601 interval `start/end`.
 */
export const PackScopeSchema = Type.Object({
  kind: Type.String({ minLength: 1 }),
  value: Text,
});
export type PackScope = { readonly kind: ScopeKind; readonly value: string };

/** One stream in the pack: records `firstSeq`..`headSeq`, all present, the last one `headDigest`. */
export const ManifestStreamSchema = Type.Object({
  stream: Text,
  firstSeq: Seq,
  headSeq: Seq,
  headDigest: Digest,
  records: Count,
});
export type ManifestStream = Readonly<Static<typeof ManifestStreamSchema>>;

/** One archive entry other than the manifest and its signature. */
export const ManifestFileSchema = Type.Object({
  path: Text,
  bytes: Count,
  sha256: Digest,
});
export type ManifestFile = Readonly<Static<typeof ManifestFileSchema>>;

export const PackManifestSchema = Type.Object({
  formatVersion: Type.String(),
  packId: Text,
  scope: PackScopeSchema,
  generatedAt: Text,
  generator: Type.Object({ name: Text, version: Text, identity: Text }),
  key: Type.Object({
    keyId: Text,
    /** SHA-256 of the DER SPKI in public-key.pem, hex. */
    fingerprint: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    algorithm: Type.Literal(SIGNING_ALGORITHM),
  }),
  streams: Type.Array(ManifestStreamSchema),
  counts: Type.Object({ records: Count, streams: Count, files: Count }),
  files: Type.Array(ManifestFileSchema),
});

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
    readonly fingerprint: string;
    readonly algorithm: typeof SIGNING_ALGORITHM;
  };
  readonly streams: readonly ManifestStream[];
  readonly counts: { readonly records: number; readonly streams: number; readonly files: number };
  readonly files: readonly ManifestFile[];
}

export const PackSignatureSchema = Type.Object({
  statement: Type.Literal(MANIFEST_STATEMENT),
  signature: Type.Object({
    keyId: Text,
    algorithm: Type.Literal(SIGNING_ALGORITHM),
    signedAt: Text,
    value: Type.String({ pattern: "^[A-Za-z0-9+/]+={0,2}$" }),
    requestId: Type.Optional(Text),
  }),
});

/** manifest.sig.json: the signature over the manifest statement (digest of manifest.json, packId, time, key). */
export type PackSignature = Readonly<Static<typeof PackSignatureSchema>>;

/** The first reason `value` does not fit `schema`, as `path: message`, or undefined when it fits. */
export function firstSchemaError(
  schema: typeof PackManifestSchema | typeof PackSignatureSchema,
  value: unknown,
): string | undefined {
  const first = Value.Errors(schema, value).First();
  if (first === undefined) return undefined;
  return `${first.path || "/"}: ${first.message}`;
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
