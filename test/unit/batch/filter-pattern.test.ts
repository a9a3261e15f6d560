import { describe, expect, it } from 'vitest';
import { FilterCriteriaMatcher, InvalidFilterPatternError, validateFilterCriteria } from '../../../src/batch/filter-criteria.js';
import { MAX_FILTER_PATTERN_LENGTH, parseFilterPattern } from '../../../src/batch/filter-pattern.js';
import type { SourceKind } from '../../../src/mappings/event-source-mapping.js';

const INVALID = 'Invalid filter pattern definition.';

function validate(pattern: unknown, source: SourceKind = 'sqs'): string | undefined {
  const text = typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
  return validateFilterCriteria({ Filters: [{ Pattern: text }] }, source);
}

describe('filter pattern validation', () => {
  it('accepts every operator Lambda lists', () => {
    const pattern = {
      UserID: [null],
      LastName: [''],
      Name: ['Alice', { 'equals-ignore-case': 'alice' }],
      PaymentType: ['Credit', 'Debit'],
      Weather: [{ 'anything-but': ['Raining'] }, { 'anything-but': 'Snowing' }, { 'anything-but': [1, 2] }, { 'anything-but': 3 }],
      Price: [{ numeric: ['=', 100] }, { numeric: ['>', 10, '<=', 20] }, { numeric: ['<', 5] }, 100, true],
      ProductName: [{ exists: true }],
      Other: [{ exists: false }],
      Region: [{ prefix: 'us-' }],
      FileName: [{ suffix: '.png' }],
      nested: { deeper: ['x'] },
      $or: [{ Location: ['New York'] }, { Day: ['Monday'] }],
    };
    expect(validate({ body: pattern })).toBeUndefined();
  });

  it('accepts no criteria, an empty criteria object and an empty filter list', () => {
    for (const criteria of [undefined, null, {}, { Filters: [] }]) expect(validateFilterCriteria(criteria, 'kinesis')).toBeUndefined();
  });

  it('rejects a pattern that is not JSON', () => {
    expect(validate('{"body": ["x"]')).toBe(INVALID);
    expect(validate('')).toBe(INVALID);
  });

  it('rejects a pattern that is not an object', () => {
    for (const pattern of ['["x"]', '"x"', '42', 'null']) expect(validate(pattern)).toBe(INVALID);
  });

  it('rejects an empty pattern object, empty nested objects and empty arrays', () => {
    expect(validate({})).toBe(INVALID);
    expect(validate({ body: {} })).toBe(INVALID);
    expect(validate({ eventSource: [] })).toBe(INVALID);
  });

  it('rejects a leaf that is not an array', () => {
    expect(validate({ eventSource: 'aws:sqs' })).toBe(INVALID);
    expect(validate({ body: { a: 1 } })).toBe(INVALID);
    expect(validate({ body: { a: null } })).toBe(INVALID);
  });

  it('rejects unknown operators and operators Lambda does not list', () => {
    for (const matcher of [{ wildcard: '*.png' }, { cidr: '10.0.0.0/24' }, { contains: 'x' }, { prefix: { 'equals-ignore-case': 'us-' } }]) {
      expect(validate({ body: { a: [matcher] } })).toBe(INVALID);
    }
  });

  it('rejects operator objects with no key or several keys, and nested arrays', () => {
    expect(validate({ body: { a: [{}] } })).toBe(INVALID);
    expect(validate({ body: { a: [{ prefix: 'a', suffix: 'b' }] } })).toBe(INVALID);
    expect(validate({ body: { a: [['x']] } })).toBe(INVALID);
  });

  it('rejects operands of the wrong type', () => {
    expect(validate({ body: { a: [{ prefix: 1 }] } })).toBe(INVALID);
    expect(validate({ body: { a: [{ suffix: null }] } })).toBe(INVALID);
    expect(validate({ body: { a: [{ 'equals-ignore-case': true }] } })).toBe(INVALID);
    expect(validate({ body: { a: [{ exists: 'true' }] } })).toBe(INVALID);
  });

  it('rejects malformed anything-but', () => {
    for (const operand of [[], ['a', 1], [null], true, null, { prefix: 'us-' }, { suffix: '.png' }, { 'equals-ignore-case': 'x' }]) {
      expect(validate({ body: { a: [{ 'anything-but': operand }] } })).toBe(INVALID);
    }
  });

  it('rejects malformed numeric', () => {
    const operands: unknown[] = [
      [],
      ['>'],
      ['=', '5'],
      ['!=', 5],
      [5, '>'],
      ['=', 5, '<', 10],
      ['<', 10, '>', 0],
      ['>', 5, '<', 1],
      ['>', 5, '<=', 5],
      ['>', 0, '>', 5],
      ['>', 0, '<', 5, '<', 6],
      '>5',
    ];
    for (const operand of operands) expect(validate({ body: { a: [{ numeric: operand }] } }), JSON.stringify(operand)).toBe(INVALID);
    expect(validate('{"body":{"a":[{"numeric":[">",1e400]}]}}')).toBe(INVALID);
  });

  it('rejects malformed $or', () => {
    expect(validate({ $or: { a: ['x'] } })).toBe(INVALID);
    expect(validate({ $or: [{ a: ['x'] }] })).toBe(INVALID);
    expect(validate({ $or: [{ a: ['x'] }, 'b'] })).toBe(INVALID);
    expect(validate({ $or: [{ a: ['x'] }, {}] })).toBe(INVALID);
    expect(validate({ body: { $or: ['x', 'y'] } })).toBe(INVALID);
  });

  it('limits a pattern to 4096 characters', () => {
    const padded = (length: number): string => {
      const shell = '{"body":{"a":[""]}}';
      return `{"body":{"a":["${'x'.repeat(length - shell.length)}"]}}`;
    };
    expect(padded(MAX_FILTER_PATTERN_LENGTH)).toHaveLength(4096);
    expect(validate(padded(MAX_FILTER_PATTERN_LENGTH))).toBeUndefined();
    expect(validate(padded(MAX_FILTER_PATTERN_LENGTH + 1))).toBe(INVALID);
  });

  it('allows at most 5 filters', () => {
    const filters = (count: number) => ({ Filters: Array.from({ length: count }, (_, i) => ({ Pattern: JSON.stringify({ body: { a: [i] } }) })) });
    expect(validateFilterCriteria(filters(5), 'sqs')).toBeUndefined();
    expect(validateFilterCriteria(filters(6), 'sqs')).toBe(INVALID);
  });

  it('rejects a malformed FilterCriteria structure', () => {
    for (const criteria of ['x', [], { Filters: 'x' }, { Filters: [{}] }, { Filters: [{ Pattern: 5 }] }, { Filters: ['{}'] }]) {
      expect(validateFilterCriteria(criteria, 'sqs')).toBe(INVALID);
    }
  });

  it('rejects a plain pattern for Kinesis data and DynamoDB dynamodb, also inside a top-level $or', () => {
    expect(validate({ data: ['x'] }, 'kinesis')).toBe(INVALID);
    expect(validate({ data: [{ exists: true }] }, 'kinesis')).toBe(INVALID);
    expect(validate({ dynamodb: ['x'] }, 'dynamodb')).toBe(INVALID);
    expect(validate({ $or: [{ data: { a: ['x'] } }, { data: ['x'] }] }, 'kinesis')).toBe(INVALID);
    expect(validate({ data: { a: ['x'] } }, 'kinesis')).toBeUndefined();
    expect(validate({ dynamodb: { Keys: { Id: { N: ['1'] } } } }, 'dynamodb')).toBeUndefined();
  });

  it('accepts a plain pattern for the SQS body', () => {
    expect(validate({ body: ['plain text', { prefix: 'plain' }] }, 'sqs')).toBeUndefined();
  });

  it('lets the last of duplicate keys win', () => {
    const pattern = parseFilterPattern('{"eventName":["INSERT"],"eventName":["MODIFY"]}', 'dynamodb');
    expect(pattern.root.fields).toHaveLength(1);
    const field = pattern.root.fields[0]!;
    expect(field.kind === 'leaf' && field.leaf.matchers).toEqual([{ kind: 'string', value: 'MODIFY' }]);
  });

  it('throws InvalidParameterValueException from compile, with the reason and the AWS message', () => {
    let thrown: unknown;
    try {
      FilterCriteriaMatcher.compile({ Filters: [{ Pattern: '{"a":["x"]}' }, { Pattern: '{"a":"x"}' }] }, 'sqs');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidFilterPatternError);
    expect(thrown).toBeInstanceOf(Error);
    const error = thrown as InvalidFilterPatternError;
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toBe(INVALID);
    expect(error.reason).toContain('Filters[1].Pattern');
  });
});
