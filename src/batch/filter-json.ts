/**
 * JSON parsing for event filtering that keeps the source text of numbers.
 *
 * Lambda compares an exact number in a filter pattern with the event's number by their string form
 * (`300`, `300.0` and `3.0e2` are three different values — spec §4.2), so filtering cannot use
 * `JSON.parse` alone wherever such a comparison happens: it turns all three into `300`.
 * {@link parseJsonKeepingNumberText} accepts exactly the JSON grammar `JSON.parse` accepts and returns the
 * same plain values, except that a number whose text is not the canonical `String(value)` of its value is
 * returned as a {@link JsonNumberText}. Canonical numbers (the vast majority) stay plain `number`s, so the
 * result allocates nothing extra for them.
 */

/** A JSON number whose source text differs from `String(value)` (e.g. `300.0`, `1e3`, `-0`, 20-digit ids). */
export class JsonNumberText {
  constructor(
    readonly value: number,
    readonly text: string,
  ) {}
}

/** The source text of a parsed JSON number, plain or kept. */
export function numberText(value: number | JsonNumberText): string {
  return typeof value === 'number' ? String(value) : value.text;
}

/** Parses `text` like `JSON.parse` (throws `SyntaxError` on the same inputs), keeping non-canonical number text. */
export function parseJsonKeepingNumberText(text: string): unknown {
  const parser = new KeepingParser(text);
  parser.skipWhitespace();
  const value = parser.value();
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail();
  return value;
}

const NUMBER_PATTERN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class KeepingParser {
  pos = 0;

  constructor(private readonly text: string) {}

  fail(): never {
    throw new SyntaxError(`Unexpected token in JSON at position ${this.pos}`);
  }

  skipWhitespace(): void {
    const { text } = this;
    let pos = this.pos;
    for (;;) {
      const code = text.charCodeAt(pos);
      // space, tab, line feed, carriage return: the only whitespace JSON allows
      if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) pos += 1;
      else break;
    }
    this.pos = pos;
  }

  value(): unknown {
    const code = this.text.charCodeAt(this.pos);
    switch (code) {
      case 0x7b: // {
        return this.object();
      case 0x5b: // [
        return this.array();
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x6e: // n
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos += 1;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos += 1;
      return result;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail();
      const key = this.string();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail();
      this.pos += 1;
      this.skipWhitespace();
      const value = this.value();
      // Duplicate keys: the last one wins, as with JSON.parse. `__proto__` must become an own property.
      if (key === '__proto__') {
        Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        result[key] = value;
      }
      this.skipWhitespace();
      const next = this.text.charCodeAt(this.pos);
      this.pos += 1;
      if (next === 0x7d) return result;
      if (next !== 0x2c) {
        this.pos -= 1;
        this.fail();
      }
      this.skipWhitespace();
    }
  }

  private array(): unknown[] {
    const result: unknown[] = [];
    this.pos += 1;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos += 1;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.skipWhitespace();
      const next = this.text.charCodeAt(this.pos);
      this.pos += 1;
      if (next === 0x5d) return result;
      if (next !== 0x2c) {
        this.pos -= 1;
        this.fail();
      }
      this.skipWhitespace();
    }
  }

  private string(): string {
    const { text } = this;
    const start = this.pos;
    let pos = start + 1;
    let escaped = false;
    for (;;) {
      const code = text.charCodeAt(pos);
      if (code === 0x22) break;
      if (Number.isNaN(code) || code < 0x20) {
        this.pos = pos;
        this.fail();
      }
      if (code === 0x5c) {
        escaped = true;
        pos += 2;
      } else {
        pos += 1;
      }
    }
    this.pos = pos + 1;
    // Escapes are rare: let the native parser decode (and validate) them.
    return escaped ? (JSON.parse(text.slice(start, pos + 1)) as string) : text.slice(start + 1, pos);
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail();
    this.pos += word.length;
    return value;
  }

  private number(): number | JsonNumberText {
    NUMBER_PATTERN.lastIndex = this.pos;
    const match = NUMBER_PATTERN.exec(this.text);
    if (match === null) this.fail();
    const raw = match[0];
    this.pos += raw.length;
    const value = Number(raw);
    return String(value) === raw ? value : new JsonNumberText(value, raw);
  }
}
