import {
  type CanonicalInputError,
  type CanonicalInputErrorCode,
  childPath,
  MAX_NESTING_DEPTH,
  quoteForDisplay,
} from "../canonical/index.ts";
import type { SchemaError as ErrorObject } from "./dispatch.ts";
import { describePattern } from "./patterns.ts";

/** One reason an event was refused. */
export interface ValidationIssue {
  /** JSON path of the offending value, e.g. `$.data.artifactDigest`. */
  readonly path: string;
  /** What the schema wants there, in words. */
  readonly expected: string;
  /** What the event has there: shortened and escaped, safe to print. */
  readonly found: string;
  /** One line for people: `<path>: expected <expected>, found <found>`. */
  readonly message: string;
}

/** Builds an issue and its one-line message. */
export function issue(path: string, expected: string, found: string): ValidationIssue {
  return { path, expected, found, message: `${path}: expected ${expected}, found ${found}` };
}

/** A value as an issue shows it: strings quoted and cut, containers by size. */
export function describeFound(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return quoteForDisplay(value);
    case "number":
    case "boolean":
      return String(value);
    case "object":
      if (Array.isArray(value)) return `an array of ${plural(value.length, "item")}`;
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

type Schema = Record<string, unknown>;

/** What a schema accepts, in words: `one of "approved", "rejected"`, `an integer from 0 to 20`. */
export function describeExpected(schema: Schema | undefined): string {
  if (schema === undefined) return "nothing (no such member)";
  const values = schema.enum;
  if (Array.isArray(values)) {
    const listed = values.map((value) => JSON.stringify(value));
    return listed.length === 1 ? `${listed[0]}` : `one of ${listed.join(", ")}`;
  }
  switch (schema.type) {
    case "string":
      return describeString(schema);
    case "integer":
      return `an integer${range(schema)}`;
    case "number":
      return `a number${range(schema)}`;
    case "boolean":
      return "true or false";
    case "array":
      return describeArray(schema);
    case "object":
      return describeObject(schema);
    default:
      return "a JSON value";
  }
}

function describeString(schema: Schema): string {
  const pattern = typeof schema.pattern === "string" ? schema.pattern : undefined;
  const format = typeof schema.format === "string" ? schema.format : undefined;
  let base = "a string";
  if (pattern !== undefined) {
    const described = describePattern(pattern);
    if (described?.lengthImplied) return described.text;
    base = described?.text ?? `a string matching /${pattern}/`;
  } else if (format !== undefined) {
    base = FORMATS[format] ?? `a string in ${format} format`;
  }
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
  if (max === undefined) return min > 0 ? `${base}, at least ${plural(min, "character")}` : base;
  return min > 0 ? `${base}, ${min}-${max} characters` : `${base}, at most ${max} characters`;
}

const FORMATS: Record<string, string> = {
  "date-time": "an RFC 3339 date-time with a time zone",
  email: "an e-mail address",
  uri: "an absolute URI",
};

function describeArray(schema: Schema): string {
  const min = typeof schema.minItems === "number" ? schema.minItems : 0;
  const max = typeof schema.maxItems === "number" ? schema.maxItems : undefined;
  const size =
    max === undefined
      ? ""
      : min > 0
        ? ` of ${min}-${max} items`
        : ` of at most ${plural(max, "item")}`;
  const distinct = schema.uniqueItems === true ? ", without repeats" : "";
  return `an array${size}${distinct}`;
}

function describeObject(schema: Schema): string {
  const discriminator = schema.discriminator as { propertyName?: string } | undefined;
  const variants = schema.oneOf;
  if (discriminator?.propertyName !== undefined && Array.isArray(variants)) {
    const tag = discriminator.propertyName;
    return `an object whose ${tag} is ${describeExpected(tagSchema(variants, tag))}`;
  }
  const alternatives = requiredAlternatives(schema.anyOf);
  if (alternatives !== undefined) return `an object with at least one of ${alternatives}`;
  return "an object";
}

/** The combined `enum` of a discriminator's variants. */
function tagSchema(variants: unknown[], tag: string): Schema {
  const values: unknown[] = [];
  for (const variant of variants as Schema[]) {
    const property = (variant.properties as Record<string, Schema> | undefined)?.[tag];
    if (Array.isArray(property?.enum)) values.push(...property.enum);
  }
  return { type: "string", enum: values };
}

/** `a, b` when `anyOf` is a list of `{ required: [name] }`, the "at least one of" idiom. */
function requiredAlternatives(anyOf: unknown): string | undefined {
  if (!Array.isArray(anyOf)) return undefined;
  const names: string[] = [];
  for (const branch of anyOf as Schema[]) {
    const required = branch.required;
    if (Object.keys(branch).length !== 1 || !Array.isArray(required) || required.length !== 1) {
      return undefined;
    }
    names.push(String(required[0]));
  }
  return names.join(", ");
}

function range(schema: Schema): string {
  const min = typeof schema.minimum === "number" ? schema.minimum : undefined;
  const max = typeof schema.maximum === "number" ? schema.maximum : undefined;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return "";
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * Turns Ajv's errors for `root`, validated against `schema`, into issues: one per path, in the
 * order of the schema, with the "at least one of" and discriminator idioms reported as one issue
 * each.
 */
export function issuesFromSchemaErrors(
  errors: readonly ErrorObject[],
  root: unknown,
  schema: object,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const found = fromSchemaError(error, root, schema);
    if (found === undefined || seen.has(found.path)) continue;
    seen.add(found.path);
    issues.push(found);
  }
  return issues;
}

function fromSchemaError(
  error: ErrorObject,
  root: unknown,
  rootSchema: object,
): ValidationIssue | undefined {
  const { path, data } = locate(error.instancePath, root);
  // The failing keyword's value and the schema holding it, found from the error's schema path
  // (Ajv's verbose mode would attach them, at the price of twice the generated code).
  const keywordPath = error.schemaPath.replace(/^#\/?/, "");
  const parentPath = keywordPath.slice(0, Math.max(0, keywordPath.lastIndexOf("/")));
  const parent = resolve(rootSchema, parentPath) as Schema | undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      // A branch of an "at least one of" anyOf: the anyOf error reports it once.
      if (/\/anyOf\/\d+\/required$/.test(error.schemaPath)) return undefined;
      const member = String(params.missingProperty);
      const properties = parent?.properties as Record<string, Schema> | undefined;
      return issue(childPath(path, member), describeExpected(properties?.[member]), "nothing");
    }
    case "anyOf": {
      const alternatives = requiredAlternatives(resolve(rootSchema, keywordPath));
      if (alternatives === undefined) break;
      return issue(path, `at least one of ${alternatives}`, "none of them");
    }
    case "additionalProperties": {
      const member = String(params.additionalProperty);
      const allowed = Object.keys((parent?.properties as object | undefined) ?? {});
      const value = (data as Record<string, unknown>)[member];
      const meant = closest(member, allowed);
      const hint = meant === undefined ? "" : `did you mean ${JSON.stringify(meant)}? `;
      return issue(
        childPath(path, member),
        `no member of that name here (${hint}allowed: ${allowed.join(", ")})`,
        describeFound(value),
      );
    }
    case "discriminator": {
      const tag = String(params.tag);
      const variants = (parent?.oneOf as unknown[] | undefined) ?? [];
      return issue(
        childPath(path, tag),
        describeExpected(tagSchema(variants, tag)),
        describeFound(params.tagValue),
      );
    }
    case "uniqueItems": {
      const [first, repeat] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return issue(path, describeExpected(parent), `item [${first}] repeated at [${repeat}]`);
    }
  }
  return issue(path, describeExpected(parent), describeFound(data));
}

/** The allowed name a misspelt `name` most likely meant: at most two edits away. */
function closest(name: string, allowed: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1);
      }
      row[j] = value;
    }
  }
  return at(a.length, b.length);
}

/**
 * The value at Ajv's JSON Pointer (`/data/tags/0`) in `root`, and its JSON path
 * (`$.data.tags[0]`): a segment is an index where the value there is an array.
 */
function locate(pointer: string, root: unknown): { path: string; data: unknown } {
  let path = "$";
  let node: unknown = root;
  for (const segment of segments(pointer)) {
    if (Array.isArray(node)) {
      const index = Number(segment);
      path = childPath(path, index);
      node = node[index];
    } else {
      path = childPath(path, segment);
      node = child(node, segment);
    }
  }
  return { path, data: node };
}

/** The schema node at a JSON Pointer without its leading `#`, e.g. `properties/data/anyOf`. */
function resolve(schema: object, pointer: string): unknown {
  let node: unknown = schema;
  for (const segment of segments(pointer === "" ? "" : `/${pointer}`)) {
    node = child(node, decodePointerSegment(segment));
  }
  return node;
}

// Ajv percent-encodes schema path segments; a stray "%" is kept as it is.
function decodePointerSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function segments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function child(node: unknown, key: string): unknown {
  if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
  return (node as Record<string, unknown>)[key];
}

const PARSE_EXPECTATIONS: Record<CanonicalInputErrorCode, string> = {
  syntax: "well-formed JSON (RFC 8259)",
  "invalid-utf8": "UTF-8 text",
  "duplicate-key": "each member name once per object",
  "lone-surrogate": "Unicode text with every UTF-16 surrogate paired",
  "unsafe-integer": "an integer within ±2^53 (send larger integers as strings)",
  "non-finite-number": "a number a double can hold (send larger numbers as strings)",
  "too-deep": `at most ${MAX_NESTING_DEPTH} levels of nesting`,
  "not-json": "a JSON value",
};

const PARSE_FINDINGS: Record<CanonicalInputErrorCode, string> = {
  syntax: "malformed JSON",
  "invalid-utf8": "bytes that are not UTF-8",
  "duplicate-key": "a repeated member",
  "lone-surrogate": "a lone surrogate",
  "unsafe-integer": "an integer beyond ±2^53",
  "non-finite-number": "a number beyond the range of a double",
  "too-deep": "deeper nesting",
  "not-json": "a value JSON cannot carry",
};

/**
 * An issue for input the strict parser refused. Its message starts with the error's code
 * (`duplicate-key: ...`), so logs and quarantine reasons can be grouped by it.
 */
export function issueFromParseError(error: CanonicalInputError): ValidationIssue {
  const found = error.found ?? PARSE_FINDINGS[error.code];
  return {
    path: error.path,
    expected: PARSE_EXPECTATIONS[error.code],
    found,
    message: `${error.path}: ${error.code}: ${error.reason}`,
  };
}
