import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CanonicalInputError,
  canonicalBytes,
  canonicalize,
  strictParse,
} from "../../lib/core/canonical/index.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/rfc8785");
const names = readdirSync(join(FIXTURES, "input")).map((file) => file.replace(/\.txt$/, ""));

function fixture(folder: string, name: string): Buffer {
  return readFileSync(join(FIXTURES, folder, `${name}.txt`));
}

function doubleFromHex(hex: string): number {
  return Buffer.from(hex.padStart(16, "0"), "hex").readDoubleBE(0);
}

describe("RFC 8785 reference test data", () => {
  it("has the six reference cases", () => {
    expect(names.sort()).toEqual(["arrays", "french", "structures", "unicode", "values", "weird"]);
  });

  it.each(names)("%s canonicalizes to the published output, byte for byte", (name) => {
    // Prepare
    const input = fixture("input", name);
    const expected = fixture("output", name);
    const expectedHex = fixture("outhex", name).toString("ascii").trim().split(/\s+/).join("");

    // Act
    const output = canonicalBytes(strictParse(input));

    // Assess
    expect(output.equals(expected)).toBe(true);
    expect(output.toString("hex")).toBe(expectedHex);
  });
});

describe("RFC 8785 examples in the text", () => {
  it("sorts members by UTF-16 code units (section 3.2.3)", () => {
    const input =
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
      '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control",' +
      '"\\u00f6":"Latin Small Letter O With Diaeresis"}';

    const output = canonicalize(strictParse(input));

    // Compared as text: reading it back into an object would put "1" first again, as JavaScript
    // orders integer-like member names before all others.
    expect(output).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it("serializes the section 3.2.2 example as section 3.2.4 lists its UTF-8 bytes", () => {
    const input =
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
      ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
      ' "literals": [null, true, false]}';

    const output = canonicalize(strictParse(input));

    expect(output).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });
});

const samples = readFileSync(join(FIXTURES, "appendix-b.csv"), "utf8")
  .split("\n")
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => {
    const [hex = "", json = "", comment = ""] = line.split(",");
    return { hex, json, comment };
  });

describe("RFC 8785 Appendix B number samples", () => {
  it("has all 26 samples", () => {
    expect(samples).toHaveLength(26);
  });

  it.each(samples.filter((sample) => sample.json !== ""))(
    "$hex serializes as $json $comment",
    ({ hex, json }) => {
      expect(canonicalize(doubleFromHex(hex))).toBe(json);
    },
  );

  it.each(samples.filter((sample) => sample.json === ""))(
    "$hex ($comment) is refused: it has no JSON form",
    ({ hex }) => {
      expect(() => canonicalize(doubleFromHex(hex))).toThrow(CanonicalInputError);
    },
  );
});

/**
 * The deterministic sequence of doubles described in the reference repository's
 * testdata/README.md: a fixed list of edge cases, 2,000 consecutive bit patterns upward from the
 * smallest normal double, then doubles read (little-endian) from a SHA-256 chain that starts at
 * 32 zero bytes, skipping zeros, NaNs and infinities.
 */
function* es6TestNumbers(): Generator<bigint> {
  yield* STATIC_BITS;
  for (let i = 0n; i < 2000n; i++) yield 0x0010000000000000n + i;
  let block = Buffer.alloc(32);
  for (;;) {
    block = createHash("sha256").update(block).digest();
    for (let offset = 0; offset < 32; offset += 8) {
      const value = block.readDoubleLE(offset);
      if (value !== 0 && Number.isFinite(value)) yield block.readBigUInt64LE(offset);
    }
  }
}

const STATIC_BITS = `
0000000000000000 8000000000000000 0000000000000001 8000000000000001 c46696695dbd1cc3 c43211ede4974a35
c3fce97ca0f21056 c3c7213080c1a6ac c39280f39a348556 c35d9b1f5d20d557 c327af4c4a80aaac c2f2f2a36ecd5556
c2be51057e155558 c28840d131aaaaac c253670dc1555557 c21f0b4935555557 c1e8d5d42aaaaaac c1b3de4355555556
c17fca0555555556 c1496e6aaaaaaaab c114585555555555 c0e046aaaaaaaaab c0aa0aaaaaaaaaaa c074d55555555555
c040aaaaaaaaaaab c00aaaaaaaaaaaab bfd5555555555555 bfa1111111111111 bf6b4e81b4e81b4f bf35d867c3ece2a5
bf0179ec9cbd821e becbf647612f3696 be965e9f80f29212 be61e54c672874db be2ca213d840baf8 bdf6e80fe033c8c6
bdc2533fe68fd3d2 bd8d51ffd74c861c bd5774ccac3d3817 bd22c3d6f030f9ac bcee0624b3818f79 bcb804ea293472c7
bc833721ba905bd3 bc4ebe9c5db3c61e bc18987d17c304e5 bbe3ad30dfcf371d bbaf7b816618582f bb792f9ab81379bf
bb442615600f9499 bb101e77800c76e1 bad9ca58cce0be35 baa4a1e0a3e6fe90 ba708180831f320d ba3a68cd9e985016
446696695dbd1cc3 443211ede4974a35 43fce97ca0f21056 43c7213080c1a6ac 439280f39a348556 435d9b1f5d20d557
4327af4c4a80aaac 42f2f2a36ecd5556 42be51057e155558 428840d131aaaaac 4253670dc1555557 421f0b4935555557
41e8d5d42aaaaaac 41b3de4355555556 417fca0555555556 41496e6aaaaaaaab 4114585555555555 40e046aaaaaaaaab
40aa0aaaaaaaaaaa 4074d55555555555 4040aaaaaaaaaaab 400aaaaaaaaaaaab 3fd5555555555555 3fa1111111111111
3f6b4e81b4e81b4f 3f35d867c3ece2a5 3f0179ec9cbd821e 3ecbf647612f3696 3e965e9f80f29212 3e61e54c672874db
3e2ca213d840baf8 3df6e80fe033c8c6 3dc2533fe68fd3d2 3d8d51ffd74c861c 3d5774ccac3d3817 3d22c3d6f030f9ac
3cee0624b3818f79 3cb804ea293472c7 3c833721ba905bd3 3c4ebe9c5db3c61e 3c18987d17c304e5 3be3ad30dfcf371d
3baf7b816618582f 3b792f9ab81379bf 3b442615600f9499 3b101e77800c76e1 3ad9ca58cce0be35 3aa4a1e0a3e6fe90
3a708180831f320d 3a3a68cd9e985016 4024000000000000 4014000000000000 3fe0000000000000 3fa999999999999a
3f747ae147ae147b 3f40624dd2f1a9fc 3f0a36e2eb1c432d 3ed4f8b588e368f1 3ea0c6f7a0b5ed8d 3e6ad7f29abcaf48
3e35798ee2308c3a 3ed539223589fa95 3ed4ff26cd5a7781 3ed4f95a762283ff 3ed4f8c60703520c 3ed4f8b72f19cd0d
3ed4f8b5b31c0c8d 3ed4f8b58d1c461a 3ed4f8b5894f7f0e 3ed4f8b588ee37f3 3ed4f8b588e47da4 3ed4f8b588e3849c
3ed4f8b588e36bb5 3ed4f8b588e36937 3ed4f8b588e368f8 3ed4f8b588e368f1 3ff0000000000000 bff0000000000000
bfeffffffffffffa bfeffffffffffffb 3feffffffffffffa 3feffffffffffffb 3feffffffffffffc 3feffffffffffffe
bfefffffffffffff bfefffffffffffff 3fefffffffffffff 3fefffffffffffff 3fd3333333333332 3fd3333333333333
3fd3333333333334 0010000000000000 000ffffffffffffd 000fffffffffffff 7fefffffffffffff ffefffffffffffff
4340000000000000 c340000000000000 4430000000000000 44b52d02c7e14af5 44b52d02c7e14af6 44b52d02c7e14af7
444b1ae4d6e2ef4e 444b1ae4d6e2ef4f 444b1ae4d6e2ef50 3eb0c6f7a0b5ed8c 3eb0c6f7a0b5ed8d 41b3de4355555553
41b3de4355555554 41b3de4355555555 41b3de4355555556 41b3de4355555557 becbf647612f3696 43143ff3c1cb0959
`
  .trim()
  .split(/\s+/)
  .map((hex) => BigInt(`0x${hex}`));

describe("ES6 number serialization, reference sequence", () => {
  it.each([
    [1000, "be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687"],
    [100_000, "22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7"],
  ])("the first %i lines hash to the published SHA-256", (lines, expected) => {
    // Prepare
    const hash = createHash("sha256");
    const numbers = es6TestNumbers();
    const bits = Buffer.alloc(8);

    // Act
    for (let line = 0; line < lines; line++) {
      const next = numbers.next();
      if (next.done) throw new Error("the sequence is endless");
      bits.writeBigUInt64BE(next.value);
      hash.update(`${next.value.toString(16)},${canonicalize(bits.readDoubleBE(0))}\n`);
    }

    // Assess
    expect(hash.digest("hex")).toBe(expected);
  });
});
