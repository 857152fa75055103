/** Why an input cannot be canonicalized without changing its meaning. */
export type CanonicalInputErrorCode =
  | "syntax"
  | "invalid-utf8"
  | "duplicate-key"
  | "lone-surrogate"
  | "unsafe-integer"
  | "non-finite-number"
  | "too-deep"
  | "not-json";

/**
 * Raised when input would be silently altered by an ordinary JSON parser or serializer.
 * The message says where (a JSON path) and what the producer should send instead.
 */
export class CanonicalInputError extends Error {
  override readonly name = "CanonicalInputError";
  readonly code: CanonicalInputErrorCode;
  /** JSON path of the offending value, `$` for the document itself. */
  readonly path: string;

  constructor(code: CanonicalInputErrorCode, path: string, message: string) {
    super(`${path}: ${message}`);
    this.code = code;
    this.path = path;
  }
}

/** Appends a key or index to a JSON path, quoting keys that are not plain identifiers. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}
