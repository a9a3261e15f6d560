import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../../../src/batch/invoke-payload-limit.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf, type SqsEventRecord } from './sqs-test-bed.js';

const servers = inject('servers');
const sizesOf = (events: readonly unknown[]) => events.map((event) => (event as { Records: unknown[] }).Records.length);

describe('SQS poller: batching by size, window and the 6 MB payload limit', () => {
  let bed: SqsTestBed;
  const targets: RecordingTarget[] = [];

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await bed?.close();
    await Promise.all(targets.map((target) => target.close()));
  });

  async function target(): Promise<RecordingTarget> {
    const started = await startRecordingTarget();
    targets.push(started);
    return started;
  }

  it('collects a trickle of messages over the batching window into one invocation', async () => {
    const queue = await bed.createQueue('window');
    const recording = await target();
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: recording.url },
      mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 2 },
    });
    const firstSentAt = Date.now();
    for (let round = 0; round < 5; round += 1) {
      await bed.send(queue, Array.from({ length: 5 }, (_, index) => `r${round}-m${index}`));
    }
    await bed.waitEmpty(queue);
    expect(sizesOf(recording.events)).toEqual([25]);
    // Not invoked before the window (counted from the first record) ended.
    expect(recording.requests[0]!.receivedAt - firstSentAt).toBeGreaterThanOrEqual(1_900);
    expect(await started.histogram('esm_batch_size')).toEqual({ sum: 25, count: 1 });
  });

  it('invokes as soon as BatchSize is reached, without waiting for the window', async () => {
    const queue = await bed.createQueue('size-first');
    const recording = await target();
    await bed.send(queue, Array.from({ length: 50 }, (_, index) => `m${index}`));
    const startedAt = Date.now();
    await bed.startPoller({ queue, target: { type: 'url', url: recording.url }, mapping: { BatchSize: 20, MaximumBatchingWindowInSeconds: 3 } });
    await bed.waitEmpty(queue);
    expect(sizesOf(recording.events.slice(0, 1))).toEqual([20]);
    expect(recording.requests[0]!.receivedAt - startedAt).toBeLessThan(2_500);
    const sizes = sizesOf(recording.events);
    expect(sizes.every((size) => size <= 20)).toBe(true);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(50);
  });

  it('cuts a batch that would pass 6 MB and invokes the rest next, without waiting for the visibility timeout', async () => {
    const queue = await bed.createQueue('six-mb', { visibilityTimeout: 60 });
    const recording = await target();
    const body = (index: number) => `${index}:`.padEnd(1_000_000, 'x');
    const ids = await bed.send(queue, Array.from({ length: 7 }, (_, index) => body(index)));
    const started = await bed.startPoller({ queue, target: { type: 'url', url: recording.url }, mapping: { ScalingConfig: { MaximumConcurrency: 2 } } });
    await bed.waitEmpty(queue, 20_000);

    const records = recordsOf(recording.events);
    expect(records.map((record) => record.messageId).sort()).toEqual([...ids].sort());
    expect(records.every((record: SqsEventRecord) => record.attributes.ApproximateReceiveCount === '1')).toBe(true);
    for (const record of records) expect(record.body === body(Number(record.body.split(':')[0]))).toBe(true);
    for (const request of recording.requests) {
      expect(Number(request.headers['content-length'])).toBeLessThanOrEqual(MAX_INVOKE_PAYLOAD_BYTES);
    }
    expect(sizesOf(recording.events).sort()).toEqual([1, 6]);
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 7);
  });

  it("keeps messages hidden for window + function run even when that exceeds the queue's visibility timeout", async () => {
    // Queue timeout 1 s; window 2 s + a 0.8 s run: AWS's effective timeout (window + function timeout + 30 s) applies.
    const queue = await bed.createQueue('effective-visibility', { visibilityTimeout: 1 });
    const slow = await startRecordingTarget(() => ({ delayMs: 800 }));
    targets.push(slow);
    const [id] = await bed.send(queue, ['hidden throughout']);
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: slow.url },
      timeoutSeconds: 1,
      mapping: { BatchSize: 10, MaximumBatchingWindowInSeconds: 2 },
    });
    await bed.waitEmpty(queue);
    const records = recordsOf(slow.events);
    expect(records.map((record) => [record.messageId, record.attributes.ApproximateReceiveCount])).toEqual([[id, '1']]);
    await waitFor(async () => (await started.metric('esm_deleted_events_total')) === 1);
  });
});
