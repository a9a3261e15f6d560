import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRecordingTarget, type RecordingTarget, type TargetResponse } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf, type SqsEventRecord } from './sqs-test-bed.js';

const servers = inject('servers');

/** Parses `G-3` into group G, index 3. */
function parse(record: SqsEventRecord): { group: string; index: number } {
  const [group, index] = record.body.split('-') as [string, string];
  return { group, index: Number(index) };
}

/**
 * A function standing in for a FIFO consumer: it checks, per group, that every batch continues exactly where
 * the processed messages of the group stop (no gap, no message ahead of an unprocessed one), that no two
 * batches of a group are in flight together, and answers with `decide`.
 */
function fifoChecker(decide: (records: readonly SqsEventRecord[]) => { response: TargetResponse; processed: (record: SqsEventRecord) => boolean }) {
  const next = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const state = { violations: [] as string[], maxGroupInFlight: 0, processed: [] as string[] };
  const respond = async (event: unknown): Promise<TargetResponse> => {
    const records = (event as { Records: SqsEventRecord[] }).Records;
    const groups = new Set(records.map((record) => parse(record).group));
    for (const group of groups) {
      const count = (inFlight.get(group) ?? 0) + 1;
      inFlight.set(group, count);
      state.maxGroupInFlight = Math.max(state.maxGroupInFlight, count);
      const indices = records.map(parse).filter((r) => r.group === group).map((r) => r.index);
      const expected = indices.map((_, offset) => (next.get(group) ?? 0) + offset);
      if (JSON.stringify(indices) !== JSON.stringify(expected)) state.violations.push(`${group}: got ${indices.join(',')} expected ${expected.join(',')}`);
    }
    await delay(50);
    const { response, processed } = decide(records);
    for (const group of groups) {
      inFlight.set(group, inFlight.get(group)! - 1);
      // Processed = deleted by the poller: the group's leading run of processed records.
      for (const record of records.filter((r) => parse(r).group === group)) {
        if (!processed(record)) break;
        next.set(group, parse(record).index + 1);
        state.processed.push(record.body);
      }
    }
    return response;
  };
  return { respond, state };
}

describe('SQS poller: FIFO queues', () => {
  let bed: SqsTestBed;
  const targets: RecordingTarget[] = [];

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await bed?.close();
    await Promise.all(targets.map((target) => target.close()));
  });

  it('keeps each group in order and never runs two batches of a group at once, through partial and whole failures', async () => {
    const queue = await bed.createQueue('fifo-order', { fifo: true, visibilityTimeout: 1 });
    const firstSeen = new Set<string>();
    const { respond, state } = fifoChecker((records) => {
      const fresh = (body: string) => records.some((r) => r.body === body) && !firstSeen.has(body);
      const failPartial = fresh('A-2');
      const failWhole = fresh('B-3');
      for (const record of records) firstSeen.add(record.body);
      if (failWhole) {
        return {
          response: { status: 200, headers: { 'x-amz-function-error': 'Unhandled' }, body: { errorType: 'E', errorMessage: 'B-3 fails once' } },
          processed: () => false,
        };
      }
      if (failPartial) {
        // Lists only A-2: were A-3… in the same batch (SQS may put several messages of a group in one), the poller
        // would have to keep them from being deleted ahead of it.
        const failed = records.find((r) => r.body === 'A-2')!;
        return {
          response: { body: { batchItemFailures: [{ itemIdentifier: failed.messageId }] } },
          processed: (record) => parse(record).group !== 'A' || parse(record).index < 2,
        };
      }
      return { response: { body: null }, processed: () => true };
    });
    const target = await startRecordingTarget(respond);
    targets.push(target);
    const messages = ['A', 'B', 'C'].flatMap((group) => Array.from({ length: 6 }, (_, index) => ({ body: `${group}-${index}`, groupId: group })));
    // Interleave the groups as producers would.
    const interleaved = Array.from({ length: 6 }, (_, index) => ['A', 'B', 'C'].map((group) => messages.find((m) => m.body === `${group}-${index}`)!)).flat();
    await bed.send(queue, interleaved);
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: target.url },
      mapping: { FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    await bed.waitEmpty(queue, 30_000);

    expect(state.violations).toEqual([]);
    expect(state.maxGroupInFlight).toBe(1);
    for (const group of ['A', 'B', 'C']) {
      expect(state.processed.filter((body) => body.startsWith(`${group}-`))).toEqual(Array.from({ length: 6 }, (_, index) => `${group}-${index}`));
    }
    // The failures really happened: A-2 and B-3 were delivered twice, C never retried.
    const deliveries = recordsOf(target.events).map((record) => record.body);
    expect(deliveries.filter((body) => body === 'A-2')).toHaveLength(2);
    expect(deliveries.filter((body) => body === 'B-3')).toHaveLength(2);
    expect(new Set(deliveries.filter((body) => body.startsWith('C-'))).size).toBe(6);
    expect(started.logs.some((line) => line.msg === 'batch_partially_failed')).toBe(true);
    expect(started.logs.some((line) => line.msg === 'batch_failed')).toBe(true);
  });

  it('runs different message groups in parallel, one batch per group at a time', async () => {
    const queue = await bed.createQueue('fifo-parallel', { fifo: true, visibilityTimeout: 5 });
    const { respond, state } = fifoChecker(() => ({ response: { delayMs: 250 }, processed: () => true }));
    const target = await startRecordingTarget(respond);
    targets.push(target);
    const groups = ['P', 'Q', 'R', 'S'];
    await bed.send(queue, Array.from({ length: 3 }, (_, index) => groups.map((group) => ({ body: `${group}-${index}`, groupId: group }))).flat());
    await bed.startPoller({ queue, target: { type: 'url', url: target.url }, mapping: { BatchSize: 1 } });
    await bed.waitEmpty(queue);
    await waitFor(() => state.processed.length === 12);
    expect(state.violations).toEqual([]);
    expect(state.maxGroupInFlight).toBe(1);
    expect(target.peakConcurrency).toBeGreaterThanOrEqual(3);
  });
});
