import { describe, expect, it } from 'vitest';
import { lowestSequenceNumber, parseBatchItemFailures } from '../../../src/batch/batch-item-failures.js';
import type { SourceKind } from '../../../src/mappings/event-source-mapping.js';

const SQS_IDS = new Set(['059f36b4-87a3-44ab-83d2-661975830a7d', '2e1424d4-f796-459a-8184-9c92662be6da']);
const STREAM_IDS = new Set(['49590338271490256608559692538361571095921575989136588898', '49590338271490256608559692540925702759324208523137515618', '111']);
const SOURCES: readonly SourceKind[] = ['sqs', 'kinesis', 'dynamodb'];

function idsOf(source: SourceKind): ReadonlySet<string> {
  return source === 'sqs' ? SQS_IDS : STREAM_IDS;
}

function parse(payload: string, source: SourceKind) {
  return parseBatchItemFailures(payload, idsOf(source), source);
}

describe('parseBatchItemFailures', () => {
  it.each(SOURCES)('%s: null, {}, an empty list and a null list are complete success', (source) => {
    for (const payload of ['null', '{}', '{"batchItemFailures":[]}', '{"batchItemFailures":null}']) {
      expect(parse(payload, source), payload).toEqual({ kind: 'success' });
    }
  });

  it.each(SOURCES)('%s: an empty response ("" or []) is complete success', (source) => {
    for (const payload of ['', '  ', '[]']) expect(parse(payload, source), JSON.stringify(payload)).toEqual({ kind: 'success' });
  });

  it.each(SOURCES)('%s: a response that is not JSON fails the whole batch', (source) => {
    expect(parse('{"batchItemFailures":[', source).kind).toBe('invalid');
    expect(parse('not json', source).kind).toBe('invalid');
  });

  it.each(SOURCES)('%s: JSON that is not a response object fails the whole batch', (source) => {
    for (const payload of ['"ok"', '42', 'true', '[{"itemIdentifier":"111"}]']) expect(parse(payload, source).kind, payload).toBe('invalid');
  });

  it.each(SOURCES)('%s: batchItemFailures that is not a list fails the whole batch', (source) => {
    for (const payload of ['{"batchItemFailures":"111"}', '{"batchItemFailures":{"itemIdentifier":"111"}}']) {
      expect(parse(payload, source).kind, payload).toBe('invalid');
    }
  });

  it.each(SOURCES)('%s: an empty or null itemIdentifier fails the whole batch', (source) => {
    expect(parse('{"batchItemFailures":[{"itemIdentifier":""}]}', source).kind).toBe('invalid');
    expect(parse('{"batchItemFailures":[{"itemIdentifier":null}]}', source).kind).toBe('invalid');
  });

  it.each(SOURCES)('%s: an entry without itemIdentifier, or not an object, fails the whole batch', (source) => {
    const id = [...idsOf(source)][0]!;
    for (const entry of [{}, { foo: id }, { ItemIdentifier: id }, id, null, [id]]) {
      const payload = JSON.stringify({ batchItemFailures: [{ itemIdentifier: id }, entry] });
      expect(parse(payload, source).kind, payload).toBe('invalid');
    }
  });

  it.each(SOURCES)('%s: an itemIdentifier of another type fails the whole batch', (source) => {
    for (const identifier of [true, { id: '111' }, ['111']]) {
      expect(parse(JSON.stringify({ batchItemFailures: [{ itemIdentifier: identifier }] }), source).kind).toBe('invalid');
    }
  });

  it.each(SOURCES)('%s: an itemIdentifier that is not in the batch fails the whole batch', (source) => {
    const result = parse('{"batchItemFailures":[{"itemIdentifier":"not-in-batch"}]}', source);
    expect(result).toEqual({ kind: 'invalid', reason: expect.stringContaining('not-in-batch') });
  });

  it('a numeric itemIdentifier not in the batch fails the whole batch (AWS-validated: 123)', () => {
    expect(parse('{"batchItemFailures":[{"itemIdentifier":123}]}', 'kinesis').kind).toBe('invalid');
  });

  it('a numeric itemIdentifier names the record whose id is its string form', () => {
    expect(parse('{"batchItemFailures":[{"itemIdentifier":111}]}', 'dynamodb')).toEqual({ kind: 'partial', failedIds: ['111'] });
  });

  it.each(SOURCES)('%s: valid ids are a partial failure, in response order, duplicates collapsed', (source) => {
    const [first, second] = [...idsOf(source)];
    const payload = JSON.stringify({ batchItemFailures: [{ itemIdentifier: second }, { itemIdentifier: first }, { itemIdentifier: second }] });
    expect(parse(payload, source)).toEqual({ kind: 'partial', failedIds: [second, first] });
  });

  it('ignores other keys of the response and of an entry', () => {
    const payload = '{"state":{"a":1},"batchItemFailures":[{"itemIdentifier":"111","note":"x"}]}';
    expect(parse(payload, 'kinesis')).toEqual({ kind: 'partial', failedIds: ['111'] });
  });
});

describe('lowestSequenceNumber', () => {
  it('compares sequence numbers as big integers, not as strings or doubles', () => {
    expect(lowestSequenceNumber(['9', '10'])).toBe('9');
    expect(
      lowestSequenceNumber(['49590338271490256608559692540925702759324208523137515618', '49590338271490256608559692538361571095921575989136588898']),
    ).toBe('49590338271490256608559692538361571095921575989136588898');
    expect(lowestSequenceNumber(['340282366920938463463374607431768211455', '340282366920938463463374607431768211454'])).toBe(
      '340282366920938463463374607431768211454',
    );
  });

  it('keeps the id as given, leading zeros included (DynamoDB Local)', () => {
    expect(lowestSequenceNumber(['000000000000000000300', '000000000000000000020'])).toBe('000000000000000000020');
  });

  it('needs at least one id', () => {
    expect(() => lowestSequenceNumber([])).toThrow(RangeError);
  });
});
