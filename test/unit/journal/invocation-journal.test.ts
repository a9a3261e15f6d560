import { describe, expect, it } from 'vitest';
import { InvocationJournal, type JournalSettings } from '../../../src/journal/invocation-journal.js';
import type { EventSourceMapping } from '../../../src/mappings/event-source-mapping.js';
import type { InvokeOutcome } from '../../../src/functions/invoker.js';
import { formatEntry } from '../../../src/journal/format-entry.js';

const NOW = Date.parse('2030-01-01T12:00:00.250Z');

function mapping(uuid: string, reportsItemFailures = false): EventSourceMapping {
  return {
    UUID: uuid,
    FunctionName: 'fn',
    EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    sourceKind: 'sqs',
    fifo: false,
    Enabled: true,
    BatchSize: 10,
    MaximumBatchingWindowInSeconds: 0,
    FunctionResponseTypes: reportsItemFailures ? ['ReportBatchItemFailures'] : [],
  } as unknown as EventSourceMapping;
}

const success = (payload = 'null'): InvokeOutcome => ({ kind: 'success', payload, requestId: 'r', durationMs: 3, executedVersion: '$LATEST' });
const event = (ids: string[]) => JSON.stringify({ Records: ids.map((id) => ({ messageId: id, body: 'x'.repeat(100) })) });
const report = (ids: string[], outcome: InvokeOutcome = success()) => ({
  attempt: 1,
  payload: event(ids),
  items: () => ids.map((id) => ({ id, bytes: 120 })),
  outcome,
});

function journal(settings: Partial<JournalSettings> = {}): InvocationJournal {
  return new InvocationJournal({ size: 100, maxBytes: 1_048_576, records: 'full', ...settings }, () => NOW);
}

describe('InvocationJournal', () => {
  it('keeps the last `size` entries per mapping, oldest first, with their records and what came next', () => {
    const subject = journal({ size: 2 });
    const writer = subject.forMapping(mapping('m1'));
    writer.record(report(['a']));
    writer.record(report(['b'])).next('deleted');
    writer.record(report(['c'])).next('retried', 'again');
    const entries = subject.list({ uuid: 'm1', limit: 10 });
    expect(entries.map((entry) => [entry.seq, entry.batch.items[0]!.id, entry.next, entry.nextDetail])).toEqual([
      [2, 'b', 'deleted', undefined],
      [3, 'c', 'retried', 'again'],
    ]);
    expect(entries[0]!.batch.records).toEqual([{ messageId: 'b', body: 'x'.repeat(100) }]);
    expect(entries[0]).toMatchObject({ time: '2030-01-01T12:00:00.250Z', UUID: 'm1', FunctionName: 'fn', source: 'sqs', outcome: 'success', response: 'null' });
  });

  it('drops the oldest entries past the byte limit, and keeps only ids of an event too large for it', () => {
    const subject = journal({ maxBytes: 2_000 });
    const writer = subject.forMapping(mapping('m1'));
    for (const id of ['a', 'b', 'c', 'd']) writer.record(report([id, `${id}2`, `${id}3`]));
    const entries = subject.list({ limit: 10 });
    expect(entries.length).toBeLessThan(4);
    expect(entries.at(-1)!.batch.items.map((item) => item.id)).toEqual(['d', 'd2', 'd3']);
    writer.record(report(Array.from({ length: 30 }, (_, i) => `big${i}`)));
    const big = subject.list({ limit: 1 })[0]!;
    expect(big.batch.size).toBe(30);
    expect(big.batch.records).toBeUndefined();
  });

  it('keeps only ids and sizes with records: ids', () => {
    const subject = journal({ records: 'ids' });
    subject.forMapping(mapping('m1')).record(report(['a']));
    expect(subject.list({ limit: 1 })[0]!.batch).toEqual({ size: 1, bytes: event(['a']).length, items: [{ id: 'a', bytes: 120 }] });
  });

  it('answers what came after a seq across mappings, and forgets a deleted mapping', () => {
    const subject = journal();
    subject.forMapping(mapping('m1')).record(report(['a']));
    subject.forMapping(mapping('m2')).record(report(['b']));
    subject.forMapping(mapping('m1')).record(report(['c']));
    expect(subject.list({ after: 1, limit: 10 }).map((entry) => entry.UUID)).toEqual(['m2', 'm1']);
    subject.forget('m1');
    expect(subject.list({ limit: 10 }).map((entry) => entry.UUID)).toEqual(['m2']);
  });

  it('flags batchItemFailures Lambda ignores without ReportBatchItemFailures, and an unusable response', () => {
    const subject = journal();
    const answer = success('{"batchItemFailures":[{"itemIdentifier":"a"}]}');
    subject.forMapping(mapping('m1')).record(report(['a'], answer));
    expect(subject.list({ limit: 1 })[0]).toMatchObject({ outcome: 'success', itemFailuresNote: expect.stringContaining('does not include ReportBatchItemFailures') });
    subject.forMapping(mapping('m2', true)).record({ ...report(['a'], answer), invalidItemFailures: 'batchItemFailures[0].itemIdentifier "zz" is not in the batch' });
    expect(subject.list({ limit: 1 })[0]).toMatchObject({
      outcome: 'invalid_response',
      itemFailuresNote: 'batchItemFailures[0].itemIdentifier "zz" is not in the batch: Lambda does not use such a response and counts the whole batch as failed',
    });
    subject.forMapping(mapping('m3', true)).record({ ...report(['a'], answer), failedItems: ['a'] });
    expect(subject.list({ limit: 1 })[0]).toMatchObject({ outcome: 'partial', failedItems: ['a'] });
    expect(subject.list({ limit: 1 })[0]!.itemFailuresNote).toBeUndefined();
  });

  it('records nothing with size 0', () => {
    const subject = journal({ size: 0 });
    subject.forMapping(mapping('m1')).record(report(['a']));
    expect(subject.list({ limit: 10 })).toEqual([]);
  });

  it('formats an entry as one line', () => {
    const subject = journal();
    subject
      .forMapping(mapping('3f2a9c1e-0000-0000-0000-000000000000'))
      .record({
        ...report(['a']),
        attempt: 2,
        outcome: { kind: 'function_error', payload: '{}', errorType: 'InjectedFault', errorMessage: 'boom', requestId: 'r', durationMs: 4, executedVersion: '$LATEST', injectedFault: 'error' },
      })
      .next('retried', 'retry 1 of 2 in 830 ms');
    expect(formatEntry(subject.list({ limit: 1 })[0]!)).toBe(
      `12:00:00.250 #1 3f2a9c1e fn attempt 2 · 1 record, ${event(['a']).length} B · function_error InjectedFault: boom (4 ms) [injected error] → retried (retry 1 of 2 in 830 ms)`,
    );
  });
});
