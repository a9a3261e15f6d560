import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
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

  /** A queue whose jobs all fail at once, reporting the `n` of each dropped job. */
  function failingQueue(name: string, caps: { readonly failedJobsKept?: number; readonly failedJobBytesKept?: number }, dropped: number[]): DurableJobQueue<Padded> {
    return new DurableJobQueue<Padded>({
      name,
      redis: { url: redis.url },
      prefix: 'esm-test:bull',
      logger: createLogger('silent'),
      component: 'test',
      concurrency: 1,
      process: async () => {
        throw new PermanentJobError('undeliverable');
      },
      ...caps,
      onFailedJobsDropped: (jobs) => dropped.push(...jobs.map((job) => job.data.n)),
      maxStalledCount: 1,
      stopGraceMs: 100,
    });
  }

  it('keeps at most failedJobsKept failed jobs: the oldest beyond are removed and reported, none before the cap', async () => {
    const dropped: number[] = [];
    const queue = failingQueue(uniqueName('t-failed'), { failedJobsKept: 3 }, dropped);
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

  /**
   * A failing queue with room for three small jobs' bytes (far from its count cap), whose jobs 1 to 3 have failed;
   * `operator` reaches the same queue as BullMQ's own tools would.
   */
  async function withThreeFailed(tag: string, body: (context: { queue: DurableJobQueue<Padded>; operator: Queue; ids: string[]; dropped: number[] }) => Promise<void>): Promise<void> {
    const dropped: number[] = [];
    const name = uniqueName(tag);
    const queue = failingQueue(name, { failedJobsKept: 100, failedJobBytesKept: 3 * SMALL_JOB_BYTES }, dropped);
    const operator = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'esm-test:bull' });
    try {
      await queue.start();
      const ids: string[] = [];
      for (let n = 1; n <= 3; n++) ids.push(await queue.add('job', padded(n, SMALL_JOB_BYTES)));
      await waitFor(async () => (await queue.counts()).failed === 3, { message: 'jobs not failed' });
      await body({ queue, operator, ids, dropped });
    } finally {
      await operator.close();
      await queue.stop();
    }
  }

  it('keeps at most failedJobBytesKept bytes of job data: the oldest beyond are removed and reported, none before the cap', async () => {
    expect(JSON.stringify(padded(1, SMALL_JOB_BYTES)).length).toBe(SMALL_JOB_BYTES);
    await withThreeFailed('t-failed-bytes', async ({ queue, dropped }) => {
      expect(dropped).toEqual([]);
      for (let n = 4; n <= 5; n++) await queue.add('job', padded(n, SMALL_JOB_BYTES));
      await waitFor(() => dropped.length === 2, { message: 'the oldest failed jobs were not dropped' });
      expect(dropped).toEqual([1, 2]);
      expect((await queue.counts()).failed).toBe(3);
      // A job of two and a half small ones leaves room for none of the others.
      await queue.add('job', padded(6, 2.5 * SMALL_JOB_BYTES));
      await waitFor(() => dropped.length === 5, { message: 'a large failed job did not push out the older ones' });
      expect(dropped).toEqual([1, 2, 3, 4, 5]);
      expect((await queue.counts()).failed).toBe(1);
    });
  });

  it('stops counting the bytes of failed jobs removed by hand, so they push out no others', async () => {
    await withThreeFailed('t-failed-by-hand', async ({ queue, operator, ids, dropped }) => {
      for (const id of ids.slice(1)) expect(await operator.remove(id)).toBe(1);
      for (let n = 4; n <= 5; n++) await queue.add('job', padded(n, SMALL_JOB_BYTES));
      await waitFor(async () => (await queue.counts()).failed === 3, { message: 'jobs not failed' });
      expect(dropped).toEqual([]);
      await queue.add('job', padded(6, SMALL_JOB_BYTES));
      await waitFor(() => dropped.length === 1, { message: 'the oldest failed job was not dropped' });
      expect(dropped).toEqual([1]);
    });
  });

  it('counts the failed jobs of a set whose sizes were never recorded (from an older version) once, then caps it', async () => {
    await withThreeFailed('t-failed-unrecorded', async ({ queue, operator, dropped }) => {
      const client = new Redis(redis.url);
      await client.del(operator.toKey('failed-sizes'), operator.toKey('failed-bytes'));
      client.disconnect();
      await queue.add('job', padded(4, SMALL_JOB_BYTES));
      await waitFor(() => dropped.length === 1, { message: 'the failed jobs from before were not counted' });
      expect(dropped).toEqual([1]);
      expect((await queue.counts()).failed).toBe(3);
    });
  });

  it('two replicas trimming the same failed set keep it within its byte cap and report each dropped job once', async () => {
    const dropped: number[] = [];
    const name = uniqueName('t-failed-replicas');
    const caps = { failedJobsKept: 100, failedJobBytesKept: 5 * SMALL_JOB_BYTES };
    const replicas = [failingQueue(name, caps, dropped), failingQueue(name, caps, dropped)];
    try {
      await Promise.all(replicas.map((queue) => queue.start()));
      for (let n = 1; n <= 20; n++) await replicas[n % 2]!.add('job', padded(n, SMALL_JOB_BYTES));
      await waitFor(async () => dropped.length >= 15 && (await replicas[0]!.counts()).failed === 5, {
        message: 'the failed set was not trimmed to its byte cap',
      });
      expect(new Set(dropped).size).toBe(dropped.length);
      expect(dropped).toHaveLength(15);
    } finally {
      await Promise.all(replicas.map((queue) => queue.stop()));
    }
  });
});

interface Padded {
  readonly n: number;
  readonly pad?: string;
}

/** Bytes of the serialized data of a small test job. */
const SMALL_JOB_BYTES = 100;

/** Job `n` whose serialized data is `bytes` long. */
function padded(n: number, bytes: number): Padded {
  const bare = JSON.stringify({ n, pad: '' }).length;
  return { n, pad: 'x'.repeat(bytes - bare) };
}
