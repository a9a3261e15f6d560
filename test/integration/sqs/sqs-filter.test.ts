import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf } from './sqs-test-bed.js';

const servers = inject('servers');

describe('SQS poller: FilterCriteria', () => {
  let bed: SqsTestBed;
  let target: RecordingTarget;

  beforeAll(async () => {
    bed = new SqsTestBed(servers);
    target = await startRecordingTarget();
  });

  afterAll(async () => {
    await bed?.close();
    await target?.close();
  });

  it('invokes matching messages only and deletes the others, counting them', async () => {
    const queue = await bed.createQueue('filter-json');
    const before = target.events.length;
    await bed.send(queue, [
      '{"type":"order","id":1}',
      '{"type":"refund","id":2}',
      '{"type":"order","id":3}',
      'plain text, not JSON',
      '{"type":"order","id":5}',
      '{"id":6}',
    ]);
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: target.url },
      mapping: { FilterCriteria: { Filters: [{ Pattern: '{"body":{"type":["order"]}}' }] } },
    });
    await bed.waitEmpty(queue);
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 6);
    const bodies = recordsOf(target.events.slice(before)).map((record) => record.body).sort();
    expect(bodies).toEqual(['{"type":"order","id":1}', '{"type":"order","id":3}', '{"type":"order","id":5}']);
    expect(await started.metric('esm_polled_events_total')).toBe(6);
    expect(await started.metric('esm_filtered_out_events_total')).toBe(3);
    expect(await started.metric('esm_invoked_events_total')).toBe(3);
    await started.poller.stop();
  });

  it('matches plain-text bodies with a string pattern, and ORs several filters', async () => {
    const queue = await bed.createQueue('filter-plain');
    const before = target.events.length;
    await bed.send(queue, ['hello', 'goodbye', '{"hello":true}', 'hello world']);
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: target.url },
      mapping: {
        FilterCriteria: { Filters: [{ Pattern: '{"body":["hello"]}' }, { Pattern: '{"body":[{"prefix":"hello w"}]}' }] },
      },
    });
    await bed.waitEmpty(queue);
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 4);
    expect(recordsOf(target.events.slice(before)).map((record) => record.body).sort()).toEqual(['hello', 'hello world']);
    expect(await started.metric('esm_filtered_out_events_total')).toBe(2);
    await started.poller.stop();
  });

  it('invokes a message the filters cannot evaluate rather than crash or delete it', async () => {
    const queue = await bed.createQueue('filter-deep');
    const before = target.events.length;
    // Valid JSON nested deeper than a recursive matcher can walk (well under SQS's message size limit).
    const deep = '['.repeat(60_000) + ']'.repeat(60_000);
    await bed.send(queue, [deep, '{"type":"order","id":1}']);
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: target.url },
      mapping: { FilterCriteria: { Filters: [{ Pattern: '{"body":{"type":["order"]}}' }] } },
    });
    await bed.waitEmpty(queue, 10_000);
    const bodies = recordsOf(target.events.slice(before)).map((record) => record.body);
    expect(bodies.sort()).toEqual(['{"type":"order","id":1}', deep].sort());
    expect(started.logs.filter((line) => line.msg === 'sqs_poller_crashed')).toEqual([]);
    expect(started.logs.filter((line) => line.msg === 'filter_evaluation_failed')).toHaveLength(1);
    expect(await started.metric('esm_filtered_out_events_total')).toBe(0);
    await started.poller.stop();
  });

  it('deletes a batch that the filters reject entirely without invoking', async () => {
    const queue = await bed.createQueue('filter-none');
    const before = target.events.length;
    await bed.send(queue, ['{"type":"x"}', '{"type":"y"}']);
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: target.url },
      mapping: { FilterCriteria: { Filters: [{ Pattern: '{"body":{"type":["order"]}}' }] } },
    });
    await bed.waitEmpty(queue);
    await waitFor(async () => (await started.metric('esm_filtered_out_events_total')) === 2);
    expect(target.events.length).toBe(before);
    expect(await started.metric('esm_invoked_events_total')).toBe(0);
    expect(await started.histogram('esm_batch_size')).toEqual({ sum: 0, count: 0 });
    await started.poller.stop();
  });
});
