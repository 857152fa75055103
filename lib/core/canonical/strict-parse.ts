import { CanonicalInputError, childPath, quoteForDisplay } from "./errors.ts";
import type { JsonObject, JsonValue } from "./json-value.ts";

/** Nesting deeper than this is refused: no evidence event needs it, and it guards the stack. */
export const MAX_NESTING_DEPTH = 64;

const TWO_POW_53 = 2n ** 53n;
const NUMBER_PATTERN = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Parses JSON text, refusing everything that `JSON.parse` would silently change: duplicate keys,
 * lone surrogates (raw or escaped), integer literals beyond ±2^53, numbers that overflow to
 * infinity, and invalid UTF-8. The result round-trips through {@link canonicalize} unchanged in
 * meaning.
 *
 * @example
 * strictParse('{"a":1,"a":2}') // throws CanonicalInputError (code "duplicate-key", path "$.a")
 */
export function strictParse(input: string | Uint8Array): JsonValue {
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch {
      throw new CanonicalInputError(
        "invalid-utf8",
        "$",
        "input is not valid UTF-8; send UTF-8 text",
      );
    }
  }
  const parser = new StrictParser(text);
  return parser.parseDocument();
}

// A run of string characters that need no attention: no quote, no backslash, no control character.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it stops at.
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
// Integer literals of at most 15 digits are below 2^53 without further checks.
const SURELY_SAFE_DIGITS = 15;

class StrictParser {
  private pos = 0;
  private readonly text: string;
  // Member names and indexes from the document to the value being parsed. Paths are rendered
  // from it only when an error needs one, so that a valid document costs no path strings.
  private readonly keys: (string | number)[] = [];

  constructor(text: string) {
    this.text = text;
  }

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail("unexpected text after the JSON value");
    return value;
  }

  private path(): string {
    let path = "$";
    for (const key of this.keys) path = childPath(path, key);
    return path;
  }

  private parseValue(depth: number): JsonValue {
    const ch = this.text[this.pos];
    switch (ch) {
      case "{":
        return this.parseObject(depth + 1);
      case "[":
        return this.parseArray(depth + 1);
      case '"':
        return this.parseString();
      case "t":
        return this.parseLiteral("true", true);
      case "f":
        return this.parseLiteral("false", false);
      case "n":
        return this.parseLiteral("null", null);
      default:
        if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) return this.parseNumber();
        return this.fail(
          ch === undefined
            ? "unexpected end of input"
            : `unexpected character ${quoteForDisplay(ch)}`,
        );
    }
  }

  private parseObject(depth: number): JsonObject {
    this.checkDepth(depth);
    this.pos++;
    const result: JsonObject = {};
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail("expected a quoted member name");
      const key = this.parseString();
      this.keys.push(key);
      if (Object.hasOwn(result, key)) {
        throw new CanonicalInputError(
          "duplicate-key",
          this.path(),
          `member ${quoteForDisplay(key)} appears more than once; send each member once`,
          `a second ${quoteForDisplay(key)}`,
        );
      }
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") this.fail("expected ':' after the member name");
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue(depth);
      if (key === "__proto__") {
        // Assignment would change the object's prototype; defineProperty keeps it a member.
        Object.defineProperty(result, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        result[key] = value;
      }
      this.keys.pop();
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === "}") {
        this.pos++;
        return result;
      }
      if (next !== ",") this.fail("expected ',' or '}' in object");
      this.pos++;
    }
  }

  private parseArray(depth: number): JsonValue[] {
    this.checkDepth(depth);
    this.pos++;
    const result: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      this.keys.push(result.length);
      result.push(this.parseValue(depth));
      this.keys.pop();
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === "]") {
        this.pos++;
        return result;
      }
      if (next !== ",") this.fail("expected ',' or ']' in array");
      this.pos++;
    }
  }

  private parseString(): string {
    this.pos++;
    let out = "";
    let chunkStart = this.pos;
    for (;;) {
      PLAIN_RUN.lastIndex = this.pos;
      PLAIN_RUN.test(this.text);
      this.pos = PLAIN_RUN.lastIndex;
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) break;
      if (Number.isNaN(code)) this.fail("unterminated string");
      if (code === 0x5c) {
        out += this.text.slice(chunkStart, this.pos);
        out += this.parseEscape();
        chunkStart = this.pos;
        continue;
      }
      this.fail("control character in string; escape it");
    }
    out += this.text.slice(chunkStart, this.pos);
    this.pos++;
    if (!out.isWellFormed()) {
      throw new CanonicalInputError(
        "lone-surrogate",
        this.path(),
        "string contains a lone UTF-16 surrogate, which has no UTF-8 form; send valid Unicode text",
        quoteForDisplay(out),
      );
    }
    return out;
  }

  private parseEscape(): string {
    const kind = this.text[this.pos + 1];
    this.pos += 2;
    switch (kind) {
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "/":
        return "/";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "u": {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail("invalid \\u escape");
        this.pos += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        this.pos -= 2;
        return this.fail(`invalid escape sequence \\${kind ?? ""}`);
    }
  }

  private parseNumber(): number {
    NUMBER_PATTERN.lastIndex = this.pos;
    const match = NUMBER_PATTERN.exec(this.text);
    if (!match) return this.fail("invalid number");
    const literal = match[0];
    this.pos += literal.length;
    const isInteger = match[1] === undefined && match[2] === undefined;
    if (isInteger && literal.length > SURELY_SAFE_DIGITS) {
      const big = BigInt(literal);
      if (big > TWO_POW_53 || big < -TWO_POW_53) {
        throw new CanonicalInputError(
          "unsafe-integer",
          this.path(),
          `integer ${shorten(literal)} is beyond ±2^53 and would lose precision; send it as a string`,
          shorten(literal),
        );
      }
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) {
      throw new CanonicalInputError(
        "non-finite-number",
        this.path(),
        `number ${shorten(literal)} overflows a double; send it as a string`,
        shorten(literal),
      );
    }
    return value;
  }

  private parseLiteral<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail("invalid literal");
    this.pos += word.length;
    return value;
  }

  private skipWhitespace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) this.pos++;
      else return;
    }
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_NESTING_DEPTH) {
      throw new CanonicalInputError(
        "too-deep",
        this.path(),
        `nesting deeper than ${MAX_NESTING_DEPTH} levels is refused`,
      );
    }
  }

  private fail(message: string): never {
    const next = this.text.codePointAt(this.pos);
    const found =
      next === undefined
        ? `the end of the input at offset ${this.pos}`
        : `${quoteForDisplay(String.fromCodePoint(next))} at offset ${this.pos}`;
    throw new CanonicalInputError(
      "syntax",
      this.path(),
      `${message} at offset ${this.pos}; send well-formed JSON (RFC 8259)`,
      found,
    );
  }
}

function shorten(literal: string): string {
  return literal.length > 40 ? `${literal.slice(0, 40)}… (${literal.length} characters)` : literal;
}
