import { CanonicalInputError, childPath } from "./errors.ts";
import { MAX_NESTING_DEPTH } from "./strict-parse.ts";

/**
 * Serializes a JSON value in the JSON Canonicalization Scheme (RFC 8785): members sorted by
 * UTF-16 code units, no whitespace, ECMAScript number and string serialization.
 * Values JSON cannot carry (undefined, functions, non-finite numbers, lone surrogates) are
 * refused with a {@link CanonicalInputError}, never dropped or altered.
 *
 * @example
 * canonicalize({ b: 1, a: [true, "x"] }) // '{"a":[true,"x"],"b":1}'
 */
export function canonicalize(value: unknown): string {
  return serialize(value, [], 0);
}

/** The canonical form as UTF-8 bytes: what is hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), "utf8");
}

// `keys` holds the member names and indexes from the root to `value`; a path string is rendered
// from it only when a refusal needs one.
type Keys = (string | number)[];

function render(keys: Keys): string {
  let path = "$";
  for (const key of keys) path = childPath(path, key);
  return path;
}

function serialize(value: unknown, keys: Keys, depth: number): string {
  switch (typeof value) {
    case "string":
      return serializeString(value, keys);
    case "number":
      if (!Number.isFinite(value)) {
        throw new CanonicalInputError(
          "non-finite-number",
          render(keys),
          `${value} has no JSON form`,
        );
      }
      // ECMAScript Number serialization is exactly RFC 8785's (and turns -0 into 0).
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (depth >= MAX_NESTING_DEPTH) {
        throw new CanonicalInputError(
          "too-deep",
          render(keys),
          `nesting deeper than ${MAX_NESTING_DEPTH} levels is refused`,
        );
      }
      if (Array.isArray(value)) return serializeArray(value, keys, depth);
      return serializeObject(value as Record<string, unknown>, keys, depth);
    default:
      throw new CanonicalInputError(
        "not-json",
        render(keys),
        `${value === undefined ? "undefined" : `a ${typeof value}`} has no JSON form; leave the member out or send null`,
      );
  }
}

function serializeString(value: string, keys: Keys): string {
  if (!value.isWellFormed()) {
    throw new CanonicalInputError(
      "lone-surrogate",
      render(keys),
      "string contains a lone UTF-16 surrogate",
    );
  }
  // JSON.stringify escapes exactly as RFC 8785 asks: quote, backslash, and control characters
  // (the short forms where they exist, else lower-case \u00xx); everything else as itself.
  return JSON.stringify(value);
}

function serializeArray(value: unknown[], keys: Keys, depth: number): string {
  // An index loop, not map(): map skips the holes of a sparse array and join() would print them
  // as nothing, giving "[1,,3]", which is not JSON. A hole reads as undefined and is refused.
  let out = "[";
  for (let index = 0; index < value.length; index++) {
    if (index > 0) out += ",";
    keys.push(index);
    out += serialize(value[index], keys, depth + 1);
    keys.pop();
  }
  return `${out}]`;
}

function serializeObject(value: Record<string, unknown>, keys: Keys, depth: number): string {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalInputError("not-json", render(keys), "only plain objects have a JSON form");
  }
  // The default sort compares UTF-16 code units, which is what RFC 8785 prescribes.
  const names = Object.keys(value).sort();
  let out = "{";
  for (let index = 0; index < names.length; index++) {
    const name = names[index] as string;
    if (index > 0) out += ",";
    out += serializeString(name, keys);
    out += ":";
    keys.push(name);
    out += serialize(value[name], keys, depth + 1);
    keys.pop();
  }
  return `${out}}`;
}
