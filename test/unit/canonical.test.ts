import { describe, expect, it } from "vitest";
import {
  CanonicalInputError,
  canonicalize,
  childPath,
  MAX_NESTING_DEPTH,
  quoteForDisplay,
  strictParse,
} from "../../lib/core/canonical/index.ts";

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

describe("canonicalize refusals", () => {
  it("refuses the holes of a sparse array instead of printing invalid JSON", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    const sparse = [1, , 3];

    const error = (() => {
      try {
        canonicalize({ list: sparse });
      } catch (caught) {
        return caught;
      }
      throw new Error("accepted a sparse array");
    })();

    expect(error).toBeInstanceOf(CanonicalInputError);
    expect((error as CanonicalInputError).code).toBe("not-json");
    expect((error as CanonicalInputError).path).toBe("$.list[1]");
  });

  it.each([
    ["a Date", new Date(0)],
    ["a Map", new Map()],
    ["a bigint", 1n],
    ["a function", () => 1],
  ])("refuses %s", (_name, value) => {
    expect(() => canonicalize({ value })).toThrow(CanonicalInputError);
  });

  it("refuses nesting deeper than the limit on both sides", () => {
    const deep = `${"[".repeat(MAX_NESTING_DEPTH + 1)}${"]".repeat(MAX_NESTING_DEPTH + 1)}`;
    expect(refusal(deep).code).toBe("too-deep");
    let value: unknown = [];
    for (let level = 0; level < MAX_NESTING_DEPTH; level++) value = [value];
    expect(() => canonicalize(value)).toThrow(/nesting deeper/);
  });
});

describe("strictParse", () => {
  it("keeps a __proto__ member as an ordinary member", () => {
    const parsed = strictParse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;

    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(["__proto__", "a"]);
    expect(canonicalize(parsed)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("pairs escaped surrogates into one character", () => {
    expect(strictParse('"\\ud83d\\ude00"')).toBe("😀");
  });

  it("refuses a lone surrogate written raw, not only escaped", () => {
    expect(refusal('{"s":"a\ud800b"}').code).toBe("lone-surrogate");
  });

  it("refuses bytes that are not UTF-8, and skips a UTF-8 byte order mark", () => {
    const invalid = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);

    expect(() => strictParse(invalid)).toThrow(/not valid UTF-8/);
    expect(strictParse(withBom)).toEqual({ a: 1 });
  });

  it.each([
    ['{"a":1 "b":2}', "$", '"\\"" at offset 7'],
    ["[1 2]", "$", '"2" at offset 3'],
    ['{"a":"\\x"}', "$.a", '"\\\\" at offset 6'],
    ['{"a":tru}', "$.a", '"t" at offset 5'],
    ['{"a":1', "$", "the end of the input at offset 6"],
  ])("points at the offending character of %s", (input, path, found) => {
    const error = refusal(input);
    expect(error.code).toBe("syntax");
    expect(error.path).toBe(path);
    expect(error.found).toBe(found);
  });

  it("says what it found and what to send instead", () => {
    const duplicate = refusal('{"a":1,"a":2}');
    const big = refusal(`{"n":${"9".repeat(60)}}`);

    expect(duplicate.found).toBe('a second "a"');
    expect(duplicate.reason).toMatch(/send each member once/);
    expect(big.found).toBe(`${"9".repeat(40)}… (60 characters)`);
    expect(big.reason).toMatch(/send it as a string/);
  });

  it("refuses the canonical text of a double beyond 2^53 that has no exponent", () => {
    // RFC 8785 writes 2^60 as an integer literal; this parser refuses every integer literal
    // beyond ±2^53, so producers send such values as strings (docs/canonical-form.md).
    expect(canonicalize(2 ** 60)).toBe("1152921504606847000");
    expect(refusal("1152921504606847000").code).toBe("unsafe-integer");
    expect(strictParse(canonicalize(1e21))).toBe(1e21);
  });
});

describe("quoteForDisplay", () => {
  it("escapes characters that would change how a terminal shows the text", () => {
    expect(quoteForDisplay("a\u202eb\u001b[2J\u2028c")).toBe('"a\\u202eb\\u001b[2J\\u2028c"');
  });

  it("cuts long text and says how long it was", () => {
    expect(quoteForDisplay("x".repeat(100), 5)).toBe('"xxxxx…" (100 characters)');
  });

  it("never splits a character made of two UTF-16 units", () => {
    expect(quoteForDisplay("😀😀😀", 2)).toBe('"😀😀…" (3 characters)');
  });

  it("quotes member names in paths the same way", () => {
    expect(childPath("$", "a\u202eb")).toBe('$["a\\u202eb"]');
    expect(childPath("$", "plain_name")).toBe("$.plain_name");
    expect(childPath("$.list", 3)).toBe("$.list[3]");
  });
});
