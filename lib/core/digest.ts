import { createHash } from "node:crypto";

/** A SHA-256 digest written as `sha256:` followed by 64 lowercase hex digits. */
export type Digest = `sha256:${string}`;

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** SHA-256 of bytes (or of a string's UTF-8 bytes), as a {@link Digest}. */
export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** True when `value` is a well-formed {@link Digest}. */
export function isDigest(value: unknown): value is Digest {
  return typeof value === "string" && DIGEST_PATTERN.test(value);
}
