import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { startRecordingTarget, type RecordingTarget, type TargetResponse } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf, type SqsEventRecord } from './sqs-test-bed.js';

const servers = inject('servers');

/** The first attempt of a batch answers `firstResponse(records)`; every later attempt succeeds. */
type FirstResponse = (records: readonly SqsEventRecord[]) => TargetResponse;

const failing = (records: readonly SqsEventRecord[]) => records.filter((record) => record.body.includes('fail'));

describe.concurrent('SQS poller: partial batch responses (ReportBatchItemFailures), case by case', () => {
  let bed: SqsTestBed;
  const targets: RecordingTarget[] = [];

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await bed?.close();
    await Promise.all(targets.map((target) => target.close()));
  });

  /**
   * Sends ok-1, fail-2, ok-3 and runs a mapping whose function answers `firstResponse` on first delivery.
   * Resolves with the ids invoked a second time (in order of body) once the queue is empty.
   */
  async function run(firstResponse: FirstResponse, reportBatchItemFailures = true) {
    const queue = await bed.createQueue('partial', { visibilityTimeout: 1 });
    const target = await startRecordingTarget((event) => {
      const records = (event as { Records: SqsEventRecord[] }).Records;
      return records.every((record) => record.attributes.ApproximateReceiveCount === '1') ? firstResponse(records) : { body: null };
    });
    targets.push(target);
    const ids = await bed.send(queue, ['ok-1', 'fail-2', 'ok-3']);
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: target.url },
      mapping: reportBatchItemFailures ? { FunctionResponseTypes: ['ReportBatchItemFailures'] } : {},
    });
    await waitFor(() => recordsOf(target.events).length >= 3);
    await bed.waitEmpty(queue);
    const retried = recordsOf(target.events)
      .filter((record) => record.attributes.ApproximateReceiveCount !== '1')
      .map((record) => record.body)
      .sort();
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 3, { message: 'all three deleted' });
    return { retried, ids, started, invokedFirst: recordsOf(target.events).filter((r) => r.attributes.ApproximateReceiveCount === '1').length };
  }

  const ALL = ['fail-2', 'ok-1', 'ok-3'];

  for (const [label, body] of [
    ['null', null],
    ['{}', {}],
    ['{"batchItemFailures":[]}', { batchItemFailures: [] }],
    ['{"batchItemFailures":null}', { batchItemFailures: null }],
  ] as const) {
    it(`${label} is a complete success: everything deleted, nothing retried`, async ({ expect }) => {
      const { retried, started, invokedFirst } = await run(() => ({ body }));
      expect(invokedFirst).toBe(3);
      expect(retried).toEqual([]);
      expect(await started.metric('esm_failed_invoke_events_total')).toBe(0);
    });
  }

  it('valid item identifiers: all others are deleted, the listed ones come back', async ({ expect }) => {
    const { retried, started } = await run((records) => ({
      body: { batchItemFailures: failing(records).map((record) => ({ itemIdentifier: record.messageId })) },
    }));
    expect(retried).toEqual(['fail-2']);
    expect(await started.metric('esm_failed_invoke_events_total')).toBe(1);
    expect(await started.metric('esm_invoked_events_total')).toBe(4);
    expect(started.status.lastProcessingResult).toBe('OK');
  });

  for (const [label, entry] of [
    ['a missing itemIdentifier', { foo: 'bar' }],
    ['an empty itemIdentifier', { itemIdentifier: '' }],
    ['a null itemIdentifier', { itemIdentifier: null }],
    ['an itemIdentifier not in the batch', { itemIdentifier: 'not-a-message-of-this-batch' }],
  ] as const) {
    it(`${label} fails the whole batch`, async ({ expect }) => {
      const { retried, started } = await run(() => ({ body: { batchItemFailures: [entry] } }));
      expect(retried).toEqual(ALL);
      expect(await started.metric('esm_failed_invoke_events_total')).toBe(3);
      expect(started.logs.some((line) => line.msg === 'batch_failed' && line.reason === 'invalid_response')).toBe(true);
    });
  }

  it('a response that is not JSON fails the whole batch', async ({ expect }) => {
    const { retried } = await run(() => ({ body: '{"batchItemFailures": [' }));
    expect(retried).toEqual(ALL);
  });

  it('without ReportBatchItemFailures the response is ignored and the batch succeeds', async ({ expect }) => {
    const { retried, started } = await run(
      (records) => ({ body: { batchItemFailures: failing(records).map((record) => ({ itemIdentifier: record.messageId })) } }),
      false,
    );
    expect(retried).toEqual([]);
    expect(await started.metric('esm_failed_invoke_events_total')).toBe(0);
  });

  it('a function error fails the whole batch even with ReportBatchItemFailures', async ({ expect }) => {
    const { retried } = await run(() => ({ status: 200, headers: { 'x-amz-function-error': 'Unhandled' }, body: { errorType: 'E', errorMessage: 'm' } }));
    expect(retried).toEqual(ALL);
  });
});
