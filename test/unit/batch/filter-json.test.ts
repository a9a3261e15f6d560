import { describe, expect, it } from 'vitest';
import { JsonNumberText, numberText, parseJsonKeepingNumberText } from '../../../src/batch/filter-json.js';

describe('parseJsonKeepingNumberText', () => {
  it('returns what JSON.parse returns for documents with canonical numbers', () => {
    const documents = [
      '{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-2.5,"g":""}',
      ' \t\n[ 1 , "x" , { } , [ ] ]\r\n',
      '"plain"',
      '0',
      '{"esc":"line\\nbreak \\"quoted\\" \\u00e9 \\\\ \\/"}',
      '{"unicode":"zß水🚀"}',
      '{"dup":1,"dup":2}',
    ];
    for (const text of documents) expect(parseJsonKeepingNumberText(text), text).toEqual(JSON.parse(text));
  });

  it('keeps the text of numbers whose canonical form differs', () => {
    const parsed = parseJsonKeepingNumberText('[300, 300.0, 3.0e2, -0, 1E3, 123456789012345678901]') as unknown[];
    expect(parsed[0]).toBe(300);
    expect(parsed.slice(1)).toEqual([
      new JsonNumberText(300, '300.0'),
      new JsonNumberText(300, '3.0e2'),
      new JsonNumberText(-0, '-0'),
      new JsonNumberText(1000, '1E3'),
      new JsonNumberText(123456789012345678901, '123456789012345678901'),
    ]);
    expect(parsed.map((value) => numberText(value as number | JsonNumberText))).toEqual(['300', '300.0', '3.0e2', '-0', '1E3', '123456789012345678901']);
  });

  it('rejects exactly what JSON.parse rejects', () => {
    const invalid = ['', ' ', '{', '{"a":1,}', '[1,]', '01', '1.', '.5', '+1', '-', 'tru', 'nul', "'x'", '"a\u0001"', '"\\x"', '{"a" 1}', '{a:1}', '[1 2]', '1 2', 'NaN', '"unterminated', '"end\\'];
    for (const text of invalid) {
      expect(() => JSON.parse(text), text).toThrow(SyntaxError);
      expect(() => parseJsonKeepingNumberText(text), text).toThrow(SyntaxError);
    }
  });

  it('makes __proto__ an own property, as JSON.parse does', () => {
    const parsed = parseJsonKeepingNumberText('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect((parsed as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
