import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalBytes,
  canonicalize,
  type JsonValue,
  strictParse,
} from "../../lib/core/canonical/index.ts";

/**
 * A JSON value as the evidence plane accepts it (I-JSON): no -0 (JSON has one zero), and no
 * integer-valued double in [2^53, 1e21), whose canonical text is an integer literal beyond ±2^53
 * that strictParse refuses by design. Strings are any well-formed Unicode text; member names are
 * drawn from a small alphabet as well, so that objects share and reorder names often.
 */
const safeNumber = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter(
      (value) =>
        !Object.is(value, -0) &&
        !(Number.isInteger(value) && Math.abs(value) > 2 ** 53 && Math.abs(value) < 1e21),
    ),
);
const text = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme-ascii" }));
const name = fc
  .oneof(text, fc.constantFrom("a", "b", "A", "1", "10", "é", "😀", "\u20ac"))
  .filter((key) => key !== "__proto__");

const { json } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    safeNumber,
    text,
    fc.array(tie("json"), { maxLength: 6 }),
    fc.dictionary(name, tie("json"), { maxKeys: 6 }),
  ),
}));

/** The same value with every object's members inserted in an order drawn from `seed`. */
function reorder(value: JsonValue, seed: number): JsonValue {
  if (Array.isArray(value)) return value.map((item, index) => reorder(item, seed + index));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  let state = seed >>> 0;
  for (let i = keys.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
  }
  const result: Record<string, JsonValue> = {};
  for (const key of keys) result[key] = reorder(value[key] as JsonValue, seed + key.length);
  return result;
}

const RUNS = { numRuns: 500 };

describe("canonical form properties", () => {
  it("is idempotent: canonicalizing the parsed canonical form gives the same text", () => {
    fc.assert(
      fc.property(json, (value) => {
        const once = canonicalize(value);
        expect(canonicalize(strictParse(once))).toBe(once);
      }),
      RUNS,
    );
  });

  it("does not depend on the order members were inserted in", () => {
    fc.assert(
      fc.property(json, fc.integer(), (value, seed) => {
        expect(canonicalize(reorder(value, seed))).toBe(canonicalize(value));
      }),
      RUNS,
    );
  });

  it("parses back to the value it came from", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(strictParse(canonicalize(value))).toEqual(value);
      }),
      RUNS,
    );
  });

  it("is JSON that any parser reads as the same value, and its bytes are its UTF-8", () => {
    fc.assert(
      fc.property(json, (value) => {
        const textForm = canonicalize(value);
        expect(JSON.parse(textForm)).toEqual(value);
        expect(canonicalBytes(value).toString("utf8")).toBe(textForm);
      }),
      RUNS,
    );
  });

  it("reads pretty-printed JSON as JSON.parse does when the text is I-JSON", () => {
    fc.assert(
      fc.property(json, (value) => {
        const pretty = JSON.stringify(value, null, 2);
        expect(strictParse(pretty)).toEqual(JSON.parse(pretty));
      }),
      RUNS,
    );
  });
});
