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
  return serialize(value, "$", 0);
}

/** The canonical form as UTF-8 bytes: what is hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), "utf8");
}

function serialize(value: unknown, path: string, depth: number): string {
  switch (typeof value) {
    case "string":
      if (!value.isWellFormed()) {
        throw new CanonicalInputError(
          "lone-surrogate",
          path,
          "string contains a lone UTF-16 surrogate",
        );
      }
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new CanonicalInputError("non-finite-number", path, `${value} has no JSON form`);
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
          path,
          `nesting deeper than ${MAX_NESTING_DEPTH} levels is refused`,
        );
      }
      if (Array.isArray(value)) {
        // An index loop, not map(): map skips the holes of a sparse array and join() would
        // print them as nothing, giving "[1,,3]", which is not JSON.
        const items: string[] = [];
        for (let index = 0; index < value.length; index++) {
          items.push(serialize(value[index], childPath(path, index), depth + 1));
        }
        return `[${items.join(",")}]`;
      }
      return serializeObject(value as Record<string, unknown>, path, depth);
    default:
      throw new CanonicalInputError(
        "not-json",
        path,
        `${value === undefined ? "undefined" : `a ${typeof value}`} has no JSON form; leave the member out or send null`,
      );
  }
}

function serializeObject(value: Record<string, unknown>, path: string, depth: number): string {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalInputError("not-json", path, "only plain objects have a JSON form");
  }
  // Default sort compares UTF-16 code units, which is what RFC 8785 prescribes.
  const keys = Object.keys(value).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = value[key];
    members.push(
      `${serialize(key, path, depth)}:${serialize(member, childPath(path, key), depth + 1)}`,
    );
  }
  return `{${members.join(",")}}`;
}
