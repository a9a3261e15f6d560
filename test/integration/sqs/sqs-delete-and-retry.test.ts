import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Message } from '@aws-sdk/client-sqs';
import { PARKED_POLL_VISIBILITY_SECONDS } from '../../../pollers/sqs/sqs-visibility.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf, type OutgoingMessage, type TestQueue } from './sqs-test-bed.js';

const servers = inject('servers');

/** The probe receives until this long after the parked poll's short visibility would have ended. */
const PROBE_MARGIN_SECONDS = 2;

function handlerTarget(file: string) {
  const [path, exportName] = fixtureHandler(file).split('#') as [string, string];
  return { type: 'handler', file: path, exportName } as const;
}

describe('SQS poller: deletion, retries through the visibility timeout, dead-letter queue', () => {
  let bed: SqsTestBed;
  const targets: RecordingTarget[] = [];

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await bed?.close();
    await Promise.all(targets.map((target) => target.close()));
  });

  async function target(respond?: Parameters<typeof startRecordingTarget>[0]): Promise<RecordingTarget> {
    const started = await startRecordingTarget(respond);
    targets.push(started);
    return started;
  }

  it('invokes every message once in batches of at most BatchSize and deletes them after success', async () => {
    const queue = await bed.createQueue('success');
    const recording = await target();
    const ids = await bed.send(queue, Array.from({ length: 25 }, (_, index) => `message-${index}`));
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url } });
    await bed.waitEmpty(queue);
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 25);

    const records = recordsOf(recording.events);
    expect(records.map((record) => record.messageId).sort()).toEqual([...ids].sort());
    for (const event of recording.events) expect((event as { Records: unknown[] }).Records.length).toBeLessThanOrEqual(10);
    expect(await started.metric('esm_polled_events_total')).toBe(25);
    expect(await started.metric('esm_invoked_events_total')).toBe(25);
    expect(await started.metric('esm_failed_invoke_events_total')).toBe(0);
    expect(await started.metric('esm_filtered_out_events_total')).toBe(0);
    expect(await started.histogram('esm_batch_size')).toEqual({ sum: 25, count: recording.events.length });
    expect((await started.histogram('esm_invocation_duration_seconds')).count).toBe(recording.events.length);
    expect(await started.metric('esm_concurrent_invocations')).toBe(0);
    expect(await started.metric('esm_pollers')).toBeGreaterThan(0);
    expect(started.status.lastProcessingResult).toBe('OK');
    await started.poller.stop();
    expect(await started.metric('esm_pollers')).toBe(0);
  });

  it('deletes nothing after a function error: the batch comes back after the visibility timeout', async () => {
    const queue = await bed.createQueue('error', { visibilityTimeout: 2 });
    const recording = await target((event) => {
      const record = (event as { Records: { attributes: { ApproximateReceiveCount: string } }[] }).Records[0]!;
      return record.attributes.ApproximateReceiveCount === '1'
        ? { status: 200, headers: { 'x-amz-function-error': 'Unhandled' }, body: { errorType: 'Boom', errorMessage: 'first attempt fails' } }
        : { body: null };
    });
    const ids = await bed.send(queue, ['a', 'b', 'c']);
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url }, mapping: { ScalingConfig: { MaximumConcurrency: 2 } } });
    await waitFor(() => started.status.lastProcessingResult === 'PROBLEM: Function call failed', { message: 'first batch failed' });
    expect(await bed.counts(queue)).toEqual({ visible: 0, inFlight: 3 });
    await bed.waitEmpty(queue);

    const records = recordsOf(recording.events);
    expect(records.filter((record) => record.attributes.ApproximateReceiveCount === '1').map((r) => r.messageId).sort()).toEqual([...ids].sort());
    expect(records.filter((record) => record.attributes.ApproximateReceiveCount === '2').map((r) => r.messageId).sort()).toEqual([...ids].sort());
    // Redelivered only after the visibility timeout.
    const firstAt = Math.min(...recording.requests.filter((_, index) => index === 0).map((request) => request.receivedAt));
    const retryAt = Math.min(...recording.requests.slice(1).map((request) => request.receivedAt));
    expect(retryAt - firstAt).toBeGreaterThanOrEqual(1_500);
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 3);
    expect(await started.metric('esm_invoked_events_total')).toBe(6);
    expect(await started.metric('esm_failed_invoke_events_total')).toBe(3);
    expect(started.status.lastProcessingResult).toBe('OK');
    expect(started.logs.some((line) => line.msg === 'batch_failed' && line.reason === 'function_error')).toBe(true);
  });

  it('treats a timeout as a failure', async () => {
    const queue = await bed.createQueue('timeout', { visibilityTimeout: 2 });
    const recording = await target((event) => {
      const record = (event as { Records: { attributes: { ApproximateReceiveCount: string } }[] }).Records[0]!;
      return record.attributes.ApproximateReceiveCount === '1' ? { delayMs: 1_500 } : undefined;
    });
    const [id] = await bed.send(queue, ['slow']);
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url }, timeoutSeconds: 1 });
    await bed.waitEmpty(queue);
    const records = recordsOf(recording.events);
    expect(records.map((record) => [record.messageId, record.attributes.ApproximateReceiveCount])).toEqual([
      [id, '1'],
      [id, '2'],
    ]);
    expect(started.logs.some((line) => line.msg === 'batch_failed' && line.reason === 'timed_out')).toBe(true);
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 1);
    expect(await started.metric('esm_failed_invoke_events_total')).toBe(1);
  });

  it("moves a message that always fails to the queue's dead-letter queue after maxReceiveCount", async () => {
    const queue = await bed.createQueue('dlq', { visibilityTimeout: 1, maxReceiveCount: 2 });
    const [id] = await bed.send(queue, ['poison']);
    const started = await bed.startPoller({ queue, target: handlerTarget('throw.mjs'), timeoutSeconds: 1 });
    const moved = await waitFor(async () => (await bed.receive(queue.dlq!))[0], { message: 'message in the DLQ' });
    expect(moved.MessageId).toBe(id);
    expect(moved.Body).toBe('poison');
    expect(await started.metric('esm_invoked_events_total')).toBe(2);
    expect(await started.metric('esm_failed_invoke_events_total')).toBe(2);
    expect(await started.metric('esm_deleted_events_total')).toBe(0);
    expect(await bed.counts(queue)).toEqual({ visible: 0, inFlight: 0 });
  });

  /**
   * A message taken by a parked long poll arrives hidden for only PARKED_POLL_VISIBILITY_SECONDS; the poller gives it
   * the effective visibility timeout (on standard queues while the invocation already runs). An invocation that
   * outlasts the short visibility must still never see its message delivered again meanwhile: while the function
   * runs, the test receives from the queue until past the short visibility.
   */
  describe('a message taken by a parked long poll stays hidden for its whole invocation', () => {
    /**
     * Receives from the queue until `untilMs`, one receive after the other (a long poll that started earlier may not
     * see a message whose visibility ends while it waits); returns what it received.
     */
    async function receiveUntil(queue: TestQueue, untilMs: number): Promise<Message[]> {
      const seen: Message[] = [];
      while (Date.now() < untilMs) seen.push(...(await bed.receive(queue, 1)));
      return seen;
    }

    async function slowInvocationSeesNoRedelivery(queue: TestQueue, message: OutgoingMessage): Promise<void> {
      let probe: Promise<Message[]> | undefined;
      // The first invocation lasts as long as the probe: receives of the queue until past the parked poll's visibility.
      const recording = await target(async (_event, index) => {
        if (index > 0) return undefined;
        probe = receiveUntil(queue, Date.now() + (PARKED_POLL_VISIBILITY_SECONDS + PROBE_MARGIN_SECONDS) * 1000);
        await probe;
        return undefined;
      });
      const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url }, timeoutSeconds: 20 });
      // Every poller is parked in its first long poll (an idle queue) before the message arrives.
      await waitFor(async () => (await started.metric('esm_pollers')) === 5);
      const [id] = await bed.send(queue, [message]);

      await waitFor(() => probe, { message: 'the function was not invoked' });
      // Seen again while the invocation ran: by the probe, or by another poller (a second invocation).
      expect({ probed: await probe!, invocations: recording.requests.length }).toEqual({ probed: [], invocations: 1 });
      await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 1, { message: 'message not deleted' });

      const records = recordsOf(recording.events);
      expect(records.map((record) => record.messageId)).toEqual([id]);
      expect(records[0]!.attributes.ApproximateReceiveCount).toBe('1');
      expect(await bed.counts(queue)).toEqual({ visible: 0, inFlight: 0 });
      await started.poller.stop();
    }

    it('on a standard queue, where the visibility is extended while the invocation runs', async () => {
      const queue = await bed.createQueue('parked-standard');
      await slowInvocationSeesNoRedelivery(queue, 'slow');
    });

    it('on a FIFO queue, where the visibility is extended before the invocation', async () => {
      const queue = await bed.createQueue('parked-fifo', { fifo: true });
      await slowInvocationSeesNoRedelivery(queue, { body: 'slow', groupId: 'g' });
    });
  });
});
