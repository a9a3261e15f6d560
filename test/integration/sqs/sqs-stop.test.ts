import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PARKED_POLL_VISIBILITY_SECONDS } from '../../../pollers/sqs/sqs-visibility.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf } from './sqs-test-bed.js';

const servers = inject('servers');

describe('SQS poller: stop and drain', () => {
  let bed: SqsTestBed;
  const targets: RecordingTarget[] = [];

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await bed?.close();
    await Promise.all(targets.map((target) => target.close()));
  });

  async function target(delayMs = 0): Promise<RecordingTarget> {
    const started = await startRecordingTarget(() => ({ delayMs }));
    targets.push(started);
    return started;
  }

  it('aborts parked long polls at once, and stop is idempotent', async () => {
    const queue = await bed.createQueue('stop-idle');
    const recording = await target();
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url } });
    await waitFor(async () => (await started.metric('esm_pollers')) === 5);
    const stoppedAt = Date.now();
    const first = started.poller.stop();
    expect(started.poller.stop()).toBe(first);
    await first;
    expect(Date.now() - stoppedAt).toBeLessThan(1_500);
    expect(started.logs.some((line) => line.msg === 'sqs_poller_stopped' && line.drained === true)).toBe(true);
    expect(await started.metric('esm_pollers')).toBe(0);
  });

  it('lets in-flight invocations finish and settles them before stop resolves', async () => {
    const queue = await bed.createQueue('stop-drain');
    const recording = await target(800);
    await bed.send(queue, ['a', 'b', 'c']);
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url }, timeoutSeconds: 3 });
    await waitFor(() => recording.inFlight > 0);
    const stoppedAt = Date.now();
    await started.poller.stop();
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(500);
    expect(recordsOf(recording.events)).toHaveLength(3);
    expect(await bed.counts(queue)).toEqual({ visible: 0, inFlight: 0 });
    expect(await started.metric('esm_deleted_events_total')).toBe(3);
  });

  it('gives up waiting at the drain deadline and deletes nothing it did not see succeed', async () => {
    const queue = await bed.createQueue('stop-deadline');
    const recording = await target(2_500);
    await bed.send(queue, ['slow']);
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url }, timeoutSeconds: 3, drainTimeoutMs: 300 });
    await waitFor(() => recording.inFlight > 0);
    const stoppedAt = Date.now();
    await started.poller.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(1_500);
    expect(started.logs.some((line) => line.msg === 'drain_deadline_passed')).toBe(true);
    expect(await bed.counts(queue)).toEqual({ visible: 0, inFlight: 1 });
    expect(await started.metric('esm_deleted_events_total')).toBe(0);
  });

  it('makes received but not yet invoked messages visible again at once', async () => {
    const queue = await bed.createQueue('stop-release');
    const recording = await target();
    const ids = await bed.send(queue, ['x', 'y', 'z']);
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: recording.url },
      mapping: { BatchSize: 50, MaximumBatchingWindowInSeconds: 30 },
    });
    await waitFor(async () => (await started.metric('esm_polled_events_total')) === 3);
    await started.poller.stop();
    expect(recording.events).toHaveLength(0);
    const visible = await bed.receive(queue);
    expect(visible.map((message) => message.MessageId).sort()).toEqual([...ids].sort());
    expect(visible.every((message) => message.Attributes?.ApproximateReceiveCount === '2')).toBe(true);
  });

  it('leaves messages sent after stop to other consumers within seconds', async () => {
    const queue = await bed.createQueue('stop-after');
    const recording = await target();
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url } });
    await waitFor(async () => (await started.metric('esm_pollers')) === 5);
    await started.poller.stop();
    const [id] = await bed.send(queue, ['after stop']);
    // A long poll aborted at stop may still take it on the server, but only for the short parked visibility.
    const received = await waitFor(async () => (await bed.receive(queue, 1)).find((message) => message.MessageId === id), {
      timeoutMs: (PARKED_POLL_VISIBILITY_SECONDS + 5) * 1000,
    });
    expect(received.Body).toBe('after stop');
    expect(recordsOf(recording.events)).toHaveLength(0);
  });

  it('lets a short receive of a busy poller finish at stop instead of leaving its messages to a dead request', async () => {
    const queue = await bed.createQueue('stop-busy', { visibilityTimeout: 30 });
    const recording = await target();
    // One poller, so no parked long poll of another poller can take the message instead.
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url }, reservedConcurrency: 1 });
    await waitFor(async () => (await started.metric('esm_pollers')) === 1);
    await bed.send(queue, ['first']);
    // The poller that processed it now polls briefly (1 s) with the full visibility timeout: stop during that poll.
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 1, { intervalMs: 10 });
    await started.poller.stop();
    const [id] = await bed.send(queue, ['after stop']);
    const received = await waitFor(async () => (await bed.receive(queue, 1)).find((message) => message.MessageId === id), {
      timeoutMs: (PARKED_POLL_VISIBILITY_SECONDS + 5) * 1000,
    });
    expect(received.Body).toBe('after stop');
    expect(recordsOf(recording.events).map((record) => record.body)).toEqual(['first']);
  });

  it('does not poll when stop() comes before or during start()', async () => {
    const queue = await bed.createQueue('stop-start-race');
    const recording = await target();
    const during = bed.buildPoller({ queue, target: { type: 'url', url: recording.url } });
    await Promise.all([during.poller.start(), during.poller.stop()]);
    const before = bed.buildPoller({ queue, target: { type: 'url', url: recording.url } });
    await before.poller.stop();
    await before.poller.start();
    for (const built of [during, before]) {
      expect(built.logs.filter((line) => line.msg === 'sqs_poller_started')).toEqual([]);
      expect(await built.metric('esm_pollers')).toBe(0);
    }
    await bed.send(queue, ['unseen']);
    expect(await bed.counts(queue)).toEqual({ visible: 1, inFlight: 0 });
  });
});
