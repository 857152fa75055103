import { describe, expect, it } from "vitest";
import { CanonicalInputError, canonicalize, strictParse } from "../../lib/core/canonical/index.ts";

function refusal(input: string): CanonicalInputError {
  try {
    strictParse(input);
  } catch (error) {
    if (error instanceof CanonicalInputError) return error;
    throw error;
  }
  throw new Error(`accepted ${input}`);
}

describe("canonicalize", () => {
  it("sorts members by UTF-16 code units and drops whitespace", () => {
    expect(canonicalize(strictParse('{ "b": 1, "a": [true, null, "x"] }'))).toBe(
      '{"a":[true,null,"x"],"b":1}',
    );
  });

  it("refuses values JSON cannot carry instead of dropping them", () => {
    expect(() => canonicalize({ a: undefined })).toThrow(CanonicalInputError);
    expect(() => canonicalize({ a: Number.NaN })).toThrow(/has no JSON form/);
  });
});

describe("strictParse refusals", () => {
  it.each([
    ['{"a":1,"a":2}', "duplicate-key", "$.a"],
    ['{"s":"\\ud800"}', "lone-surrogate", "$.s"],
    ['{"n":9007199254740993}', "unsafe-integer", "$.n"],
    ['{"n":-9007199254740993}', "unsafe-integer", "$.n"],
    ['{"n":1e400}', "non-finite-number", "$.n"],
    ['{"a":', "syntax", "$.a"],
  ])("%s is refused as %s at %s", (input, code, path) => {
    const error = refusal(input);
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
  });

  it("accepts 2^53 itself, the largest integer a double carries exactly", () => {
    expect(strictParse("9007199254740992")).toBe(2 ** 53);
  });
});
