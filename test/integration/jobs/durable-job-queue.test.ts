import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableJobQueue, PermanentJobError, QueueStoppedError, ReplicaWaitError } from '../../../src/jobs/durable-job-queue.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

function queueOn(url: string, replicas = 0): DurableJobQueue<{ n: number }> {
  return new DurableJobQueue<{ n: number }>({
    name: uniqueName('t-jobs'),
    redis: { url },
    replicaWait: { replicas, timeoutMs: 200 },
    prefix: 'esm-test:bull',
    logger: createLogger('silent'),
    component: 'test',
    concurrency: 1,
    process: async () => new Promise(() => undefined),
    maxStalledCount: 1,
    stopGraceMs: 100,
  });
}

describe('DurableJobQueue.add', () => {
  let redis: LocalServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('refuses to count a job as stored when fewer replicas than required confirm it', async () => {
    const queue = queueOn(redis.url, 1);
    try {
      const added = queue.add('job', { n: 1 });
      await expect(added).rejects.toBeInstanceOf(ReplicaWaitError);
      await expect(added).rejects.toThrow(/reached 0 of 1 Redis replicas within 200 ms/);
    } finally {
      await queue.stop();
    }
  });

  it('resolves at once when no replica is required', async () => {
    const queue = queueOn(redis.url, 0);
    try {
      expect(await queue.add('job', { n: 1 })).toMatch(/^\d+$/);
    } finally {
      await queue.stop();
    }
  });

  it('gives up an add that waits for an unreachable Redis as soon as stop() is called', async () => {
    let own = await startRedisServer();
    const queue = queueOn(own.url);
    await queue.add('job', { n: 1 }); // connected
    await own.stop();
    const added = queue.add('job', { n: 2 });
    added.catch(() => undefined);
    const stopping = queue.stop();
    await expect(added).rejects.toBeInstanceOf(QueueStoppedError);
    // Closing the queue itself needs Redis (the service bounds that step with a deadline of its own).
    own = await startRedisServer({ port: own.port });
    await stopping;
    await own.stop();
  });
});

describe('DurableJobQueue failed set', () => {
  let redis: LocalServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('keeps at most failedJobsKept failed jobs: the oldest beyond are removed and reported, none before the cap', async () => {
    const dropped: number[] = [];
    const queue = new DurableJobQueue<{ n: number }>({
      name: uniqueName('t-failed'),
      redis: { url: redis.url },
      prefix: 'esm-test:bull',
      logger: createLogger('silent'),
      component: 'test',
      concurrency: 1,
      process: async () => {
        throw new PermanentJobError('undeliverable');
      },
      failedJobsKept: 3,
      onFailedJobsDropped: (jobs) => dropped.push(...jobs.map((job) => job.data.n)),
      maxStalledCount: 1,
      stopGraceMs: 100,
    });
    try {
      await queue.start();
      for (let n = 1; n <= 3; n++) await queue.add('job', { n });
      await waitFor(async () => (await queue.counts()).failed === 3, { message: 'jobs not failed' });
      expect(dropped).toEqual([]);
      for (let n = 4; n <= 5; n++) await queue.add('job', { n });
      await waitFor(() => dropped.length === 2, { message: 'the oldest failed jobs were not dropped' });
      expect(dropped).toEqual([1, 2]);
      expect((await queue.counts()).failed).toBe(3);
    } finally {
      await queue.stop();
    }
  });
});
