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
  /** What is wrong and what to send instead, without the path. */
  readonly reason: string;
  /** The offending text or value, short and safe to print, when there is one to show. */
  readonly found: string | undefined;

  constructor(code: CanonicalInputErrorCode, path: string, reason: string, found?: string) {
    super(`${path}: ${reason}`);
    this.code = code;
    this.path = path;
    this.reason = reason;
    this.found = found;
  }
}

/** Appends a key or index to a JSON path, quoting keys that are not plain identifiers. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${quoteForDisplay(key, 256)}]`;
}

// Characters that JSON.stringify leaves as they are but that change how a terminal or a report
// shows text: C1 controls, invisible and bidirectional formatting characters, line separators.
const INVISIBLE =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/**
 * `text` as a JSON string literal that is safe to print: every control, invisible or
 * bidirectional character escaped, and cut after `maxLength` characters (marked with `…` and the
 * full length), so hostile input cannot rewrite a terminal line or flood a report.
 *
 * @example
 * quoteForDisplay("a\u202eb") // '"a\\u202eb"'
 */
export function quoteForDisplay(text: string, maxLength = 64): string {
  const characters = Array.from(text);
  const cut = characters.length > maxLength;
  const shown = cut ? characters.slice(0, maxLength).join("") : text;
  const quoted = JSON.stringify(shown).replace(
    INVISIBLE,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return cut ? `${quoted.slice(0, -1)}…" (${characters.length} characters)` : quoted;
}
