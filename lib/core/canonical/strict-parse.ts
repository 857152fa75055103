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

class StrictParser {
  private pos = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue("$", 0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail("$", "unexpected text after the JSON value");
    return value;
  }

  private parseValue(path: string, depth: number): JsonValue {
    const ch = this.text[this.pos];
    switch (ch) {
      case "{":
        return this.parseObject(path, depth + 1);
      case "[":
        return this.parseArray(path, depth + 1);
      case '"':
        return this.parseString(path);
      case "t":
        return this.parseLiteral("true", true, path);
      case "f":
        return this.parseLiteral("false", false, path);
      case "n":
        return this.parseLiteral("null", null, path);
      default:
        if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9"))
          return this.parseNumber(path);
        return this.fail(
          path,
          ch === undefined
            ? "unexpected end of input"
            : `unexpected character ${JSON.stringify(ch)}`,
        );
    }
  }

  private parseObject(path: string, depth: number): JsonObject {
    this.checkDepth(path, depth);
    this.pos++;
    const result: JsonObject = {};
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail(path, "expected a quoted member name");
      const key = this.parseString(path);
      const keyPath = childPath(path, key);
      if (seen.has(key)) {
        throw new CanonicalInputError(
          "duplicate-key",
          keyPath,
          `member ${quoteForDisplay(key)} appears more than once; send each member once`,
          `a second ${quoteForDisplay(key)}`,
        );
      }
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") this.fail(keyPath, "expected ':' after the member name");
      this.pos++;
      this.skipWhitespace();
      // defineProperty keeps "__proto__" an ordinary member instead of changing the prototype.
      Object.defineProperty(result, key, {
        value: this.parseValue(keyPath, depth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === "}") {
        this.pos++;
        return result;
      }
      if (next !== ",") this.fail(path, "expected ',' or '}' in object");
      this.pos++;
    }
  }

  private parseArray(path: string, depth: number): JsonValue[] {
    this.checkDepth(path, depth);
    this.pos++;
    const result: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.parseValue(childPath(path, result.length), depth));
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === "]") {
        this.pos++;
        return result;
      }
      if (next !== ",") this.fail(path, "expected ',' or ']' in array");
      this.pos++;
    }
  }

  private parseString(path: string): string {
    const start = ++this.pos;
    let out = "";
    let chunkStart = start;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) this.fail(path, "unterminated string");
      if (code === 0x22) break;
      if (code < 0x20) this.fail(path, "control character in string; escape it");
      if (code === 0x5c) {
        out += this.text.slice(chunkStart, this.pos);
        out += this.parseEscape(path);
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
    out += this.text.slice(chunkStart, this.pos);
    this.pos++;
    if (!out.isWellFormed()) {
      throw new CanonicalInputError(
        "lone-surrogate",
        path,
        "string contains a lone UTF-16 surrogate, which has no UTF-8 form; send valid Unicode text",
        quoteForDisplay(out),
      );
    }
    return out;
  }

  private parseEscape(path: string): string {
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
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail(path, "invalid \\u escape");
        this.pos += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        this.pos -= 2;
        return this.fail(path, `invalid escape sequence \\${kind ?? ""}`);
    }
  }

  private parseNumber(path: string): number {
    NUMBER_PATTERN.lastIndex = this.pos;
    const match = NUMBER_PATTERN.exec(this.text);
    if (!match) return this.fail(path, "invalid number");
    const literal = match[0];
    this.pos += literal.length;
    const isInteger = match[1] === undefined && match[2] === undefined;
    if (isInteger) {
      const big = BigInt(literal);
      if (big > TWO_POW_53 || big < -TWO_POW_53) {
        throw new CanonicalInputError(
          "unsafe-integer",
          path,
          `integer ${shorten(literal)} is beyond ±2^53 and would lose precision; send it as a string`,
          shorten(literal),
        );
      }
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) {
      throw new CanonicalInputError(
        "non-finite-number",
        path,
        `number ${shorten(literal)} overflows a double; send it as a string`,
        shorten(literal),
      );
    }
    return value;
  }

  private parseLiteral<T extends JsonValue>(word: string, value: T, path: string): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(path, "invalid literal");
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

  private checkDepth(path: string, depth: number): void {
    if (depth > MAX_NESTING_DEPTH) {
      throw new CanonicalInputError(
        "too-deep",
        path,
        `nesting deeper than ${MAX_NESTING_DEPTH} levels is refused`,
      );
    }
  }

  private fail(path: string, message: string): never {
    const next = this.text.codePointAt(this.pos);
    const found =
      next === undefined
        ? `the end of the input at offset ${this.pos}`
        : `${quoteForDisplay(String.fromCodePoint(next))} at offset ${this.pos}`;
    throw new CanonicalInputError(
      "syntax",
      path,
      `${message} at offset ${this.pos}; send well-formed JSON (RFC 8259)`,
      found,
    );
  }
}

function shorten(literal: string): string {
  return literal.length > 40 ? `${literal.slice(0, 40)}… (${literal.length} characters)` : literal;
}
