import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf } from './sqs-test-bed.js';

const servers = inject('servers');
const THROTTLED = { status: 429, body: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' } };

describe('SQS poller: throttled invocations', () => {
  let bed: SqsTestBed;
  const targets: RecordingTarget[] = [];

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await bed?.close();
    await Promise.all(targets.map((target) => target.close()));
  });

  it('backs off and retries within the visibility window, without a redelivery', async () => {
    const queue = await bed.createQueue('throttle', { visibilityTimeout: 30 });
    const target = await startRecordingTarget((_event, index) => (index < 2 ? THROTTLED : { body: null }));
    targets.push(target);
    const [id] = await bed.send(queue, ['throttled twice']);
    const started = await bed.startPoller({ queue, target: { type: 'url', url: target.url } });
    await bed.waitEmpty(queue);
    const records = recordsOf(target.events);
    expect(records.map((record) => [record.messageId, record.attributes.ApproximateReceiveCount])).toEqual([
      [id, '1'],
      [id, '1'],
      [id, '1'],
    ]);
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 1);
    expect(await started.metric('esm_invoked_events_total')).toBe(3);
    expect((await started.histogram('esm_invocation_duration_seconds', 'throttled')).count).toBe(2);
    expect(await started.metric('esm_retries_total')).toBe(2);
    expect(started.status.lastProcessingResult).toBe('OK');
  });

  it('gives the batch back when throttling outlasts the visibility window', async () => {
    const queue = await bed.createQueue('throttle-forever', { visibilityTimeout: 2 });
    const target = await startRecordingTarget(() => THROTTLED);
    targets.push(target);
    await bed.send(queue, ['always throttled']);
    const started = await bed.startPoller({ queue, target: { type: 'url', url: target.url }, timeoutSeconds: 1 });
    await waitFor(() => started.logs.some((line) => line.msg === 'throttle_retries_exhausted'), { message: 'retries exhausted' });
    expect(started.status.lastProcessingResult).toBe('PROBLEM: Function call failed');
    await waitFor(() => recordsOf(target.events).some((record) => record.attributes.ApproximateReceiveCount === '2'), { message: 'redelivered' });
    await started.poller.stop();
    expect(await started.metric('esm_deleted_events_total')).toBe(0);
  });

  it('makes a batch waiting out a throttle backoff visible again at once on stop, deleting nothing', async () => {
    const queue = await bed.createQueue('throttle-stop', { visibilityTimeout: 30 });
    const target = await startRecordingTarget(() => THROTTLED);
    targets.push(target);
    const [id] = await bed.send(queue, ['throttled until stop']);
    // One poller: no long poll aborted at stop can take the released message on the server.
    const started = await bed.startPoller({ queue, target: { type: 'url', url: target.url }, reservedConcurrency: 1 });
    await waitFor(async () => (await started.metric('esm_retries_total')) >= 1);
    await started.poller.stop();
    const visible = await bed.receive(queue);
    expect(visible.map((message) => [message.MessageId, message.Attributes?.ApproximateReceiveCount])).toEqual([[id, '2']]);
    expect(await started.metric('esm_deleted_events_total')).toBe(0);
  });
});
