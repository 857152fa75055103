import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as precompiled from "../../lib/core/events/precompiled.ts";
import * as compiling from "../../lib/core/events/validate.ts";
import { GENERATED_PATH, generateValidators } from "../../scripts/generate-validators.ts";

const EXAMPLES = join(import.meta.dirname, "../../examples/events");

// biome-ignore lint/suspicious/noExplicitAny: the mutations reach into events at any depth.
type Loose = any;

/** Every variant of `event` with one value replaced, removed or one member added. */
function* mutations(event: Loose): Generator<Loose> {
  const replacements: unknown[] = [
    ...[null, 7, -1, 1.5, true, "", "x".repeat(3000), "\u0000", [], {}],
    // Lengths count code points: astral characters at and around the common maxLength values,
    // and lone surrogates that count one each; one astral character is two units but one
    // code point, at the shortest minLength.
    "\u{1f600}",
    "\ud83d",
    ...[64, 65, 128, 129, 256, 257].map((n) => "\u{1f600}".repeat(n)),
    `${"\u{1f600}".repeat(63)}\ud83d`,
    `\udc00${"a".repeat(128)}`,
  ];
  function* walk(node: Loose, edit: (change: (parent: Loose) => void) => Loose): Generator<Loose> {
    if (node === null || typeof node !== "object") return;
    yield edit((n) => {
      if (!Array.isArray(n)) n.unexpectd = "value";
      else n.push(n[0]);
    });
    for (const key of Object.keys(node)) {
      const at = (change: (parent: Loose) => void) =>
        edit((n) => {
          change(n[key]);
        });
      for (const value of replacements) {
        yield edit((n) => {
          n[key] = structuredClone(value);
        });
      }
      yield edit((n) => {
        if (Array.isArray(n)) n.splice(Number(key), 1);
        else delete n[key];
      });
      yield* walk(node[key], at);
    }
  }
  yield* walk(event, (change) => {
    const copy = structuredClone(event);
    change(copy);
    return copy;
  });
}

describe("generated validators", () => {
  it("match the schemas: the committed file is what npm run generate makes", () => {
    // Prepare
    const committed = readFileSync(GENERATED_PATH, "utf8");
    // Act
    const regenerated = generateValidators();
    // Assess
    expect(regenerated === committed, "run `npm run generate` and commit the result").toBe(true);
  });

  it("give the verdicts and issues of the validators compiled at run time", () => {
    let compared = 0;
    for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith(".json"))) {
      const example = JSON.parse(readFileSync(join(EXAMPLES, file), "utf8"));
      for (const input of [example, ...mutations(example)]) {
        expect(precompiled.validateEvent(input)).toEqual(compiling.validateEvent(input));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it("refuse an unknown type and unparsable bytes with the same issues", () => {
    for (const text of ['{"type":"nope"}', '{"a":1,"a":2}', "[]", '{"type":"__proto__"}']) {
      expect(precompiled.parseAndValidateEvent(text)).toEqual(
        compiling.parseAndValidateEvent(text),
      );
    }
    expect(precompiled.validateEvent({ type: "nope" }).valid).toBe(false);
  });
});
