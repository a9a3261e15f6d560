import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf } from './sqs-test-bed.js';

const servers = inject('servers');

describe('SQS poller: scaling and concurrency limits', () => {
  let bed: SqsTestBed;
  const targets: RecordingTarget[] = [];

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await bed?.close();
    await Promise.all(targets.map((target) => target.close()));
  });

  async function slowTarget(delayMs: number): Promise<RecordingTarget> {
    const started = await startRecordingTarget(() => ({ delayMs }));
    targets.push(started);
    return started;
  }

  it('never runs more invocations than ScalingConfig.MaximumConcurrency', async () => {
    const queue = await bed.createQueue('max-concurrency');
    const target = await slowTarget(150);
    await bed.send(queue, Array.from({ length: 40 }, (_, index) => `m${index}`));
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: target.url },
      mapping: { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 3 } },
    });
    await bed.waitEmpty(queue);
    expect(recordsOf(target.events)).toHaveLength(40);
    expect(target.peakConcurrency).toBe(3);
    expect(await started.metric('esm_pollers')).toBeLessThanOrEqual(3);
  });

  it('adds pollers while there is a backlog, up to MaximumConcurrency', async () => {
    const queue = await bed.createQueue('scale-up');
    const target = await slowTarget(200);
    await bed.send(queue, Array.from({ length: 120 }, (_, index) => `m${index}`));
    const started = await bed.startPoller({
      queue,
      target: { type: 'url', url: target.url },
      mapping: { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 8 } },
    });
    await waitFor(async () => (await started.metric('esm_pollers')) === 8, { message: 'scaled to 8 pollers' });
    await bed.waitEmpty(queue);
    expect(target.peakConcurrency).toBe(8);
    expect(started.logs.some((line) => line.msg === 'concurrency_scaled' && line.reason === 'backlog' && line.to === 8)).toBe(true);
  });

  it("stays within the function's reserved concurrency without being throttled", async () => {
    const queue = await bed.createQueue('reserved');
    const target = await slowTarget(100);
    await bed.send(queue, Array.from({ length: 20 }, (_, index) => `m${index}`));
    const started = await bed.startPoller({ queue, target: { type: 'url', url: target.url }, reservedConcurrency: 2, mapping: { BatchSize: 1 } });
    await bed.waitEmpty(queue);
    expect(target.peakConcurrency).toBe(2);
    expect((await started.histogram('esm_invocation_duration_seconds', 'throttled')).count).toBe(0);
    expect(await started.metric('esm_invoked_events_total')).toBe(20);
  });

  it('shrinks after function errors', async () => {
    const queue = await bed.createQueue('shrink', { visibilityTimeout: 1 });
    const target = await startRecordingTarget(() => ({ status: 500, delayMs: 20 }));
    targets.push(target);
    await bed.send(queue, Array.from({ length: 10 }, (_, index) => `m${index}`));
    const started = await bed.startPoller({ queue, target: { type: 'url', url: target.url }, mapping: { BatchSize: 1 } });
    await waitFor(async () => (await started.metric('esm_pollers')) === 2, { message: 'shrunk to 2 pollers' });
    expect(started.logs.some((line) => line.msg === 'concurrency_scaled' && line.reason === 'function_errors')).toBe(true);
  });
});
