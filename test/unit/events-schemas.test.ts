import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES, eventSchemas } from "../../lib/core/events/index.ts";

type Schema = Record<string, unknown>;

/** Every schema node below `schema`, with its JSON Pointer. */
function* nodes(schema: unknown, pointer = "#"): Generator<[string, Schema]> {
  if (schema === null || typeof schema !== "object") return;
  if (Array.isArray(schema)) {
    for (const [index, item] of schema.entries()) yield* nodes(item, `${pointer}/${index}`);
    return;
  }
  const node = schema as Schema;
  if (typeof node.type === "string" || node.anyOf !== undefined || node.required !== undefined) {
    yield [pointer, node];
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === "enum") continue;
    if (key === "properties") {
      for (const [name, property] of Object.entries(value as Schema)) {
        yield* nodes(property, `${pointer}/properties/${name}`);
      }
    } else if (typeof value === "object") {
      yield* nodes(value, `${pointer}/${key}`);
    }
  }
}

// The keywords of JSON Schema draft 4, which the EventBridge schema registry reads, plus the
// OpenAPI `discriminator` annotation that draft 4 readers ignore.
const DRAFT_4_KEYWORDS = new Set([
  "$schema",
  "title",
  "description",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "format",
  "minimum",
  "maximum",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "anyOf",
  "oneOf",
  "discriminator",
]);

// A pattern bounds a string's length when it repeats nothing without limit.
const UNBOUNDED = /[*+]|\{\d+,\}/;

const published = eventSchemas();

describe("eventSchemas", () => {
  it("publishes one schema per event type, at spec version 1.0", () => {
    expect(published.map((entry) => entry.type)).toEqual([...EVENT_TYPES]);
    expect(new Set(published.map((entry) => entry.specVersion))).toEqual(new Set(["1.0"]));
  });

  it.each(published)("$type is plain JSON in the draft 4 dialect", ({ schema }) => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect((schema as Schema).$schema).toBe("http://json-schema.org/draft-04/schema#");
    for (const [pointer, node] of nodes(schema)) {
      expect(Object.getOwnPropertySymbols(node), pointer).toEqual([]);
      for (const keyword of Object.keys(node)) {
        expect(DRAFT_4_KEYWORDS.has(keyword), `${pointer}/${keyword}`).toBe(true);
      }
    }
  });

  it.each(published)(
    "$type closes every object and bounds every string and array",
    ({ schema }) => {
      const all = [...nodes(schema)];
      expect(all.length).toBeGreaterThan(15);
      for (const [pointer, node] of all) {
        if (node.type === "object" && node.properties !== undefined) {
          expect(node.additionalProperties, pointer).toBe(false);
        }
        if (node.type === "string" && node.enum === undefined) {
          const pattern = typeof node.pattern === "string" ? node.pattern : undefined;
          const bounded =
            typeof node.maxLength === "number" ||
            (pattern !== undefined && !UNBOUNDED.test(pattern));
          expect(bounded, `${pointer} has no length bound`).toBe(true);
        }
        if (node.type === "array") expect(typeof node.maxItems, pointer).toBe("number");
      }
    },
  );

  it("validates the examples the same way as the catalogue when compiled elsewhere", () => {
    const ajv = new Ajv({ allErrors: true, discriminator: true, strict: false });
    addFormats.default(ajv);
    for (const { type, schema } of published) {
      const { $schema: _dialect, ...body } = schema as Schema;
      const validate = ajv.compile(body);
      const event = JSON.parse(
        readFileSync(join(import.meta.dirname, `../../examples/events/${type}.json`), "utf8"),
      );
      expect(validate(event), type).toBe(true);
      expect(validate({ ...event, unknown: 1 }), type).toBe(false);
    }
  });

  it("hands out copies that callers may change", () => {
    const firstSchema = () => (eventSchemas()[0] as { schema: Schema }).schema;
    firstSchema().title = "changed";

    expect(firstSchema().title).toBe(EVENT_TYPES[0]);
  });
});
