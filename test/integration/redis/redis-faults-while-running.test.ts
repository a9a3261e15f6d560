import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { testClients } from '../../harness/aws-clients.js';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { waitFor } from '../../harness/wait-for.js';
import { createTestStream, kinesisRecordData, type TestStream } from '../../harness/kinesis-stream.js';

const servers = inject('servers');
const clients = testClients(servers);

function counter(metricsText: string, name: string): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** A Redis of its own that the tests flush and freeze, under a service running one Kinesis mapping. */
describe('Redis that fails while the service runs', () => {
  let redis: LocalServer;
  let admin: Redis;
  let target: RecordingTarget;
  let service: RunningService | undefined;
  let releaseHeld: () => void = () => undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    // A batch holding `held` is answered once the test releases it.
    target = await startRecordingTarget(async (event) => {
      if (kinesisRecordData(event).includes('held')) await held;
      return undefined;
    });
  });

  afterEach(async () => {
    try {
      process.kill(redis.process.pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
    await service?.stop();
    service = undefined;
  });

  afterAll(async () => {
    releaseHeld();
    await target?.close();
    admin?.disconnect();
    await redis?.stop();
    clients.destroy();
  });

  const delivered = () => target.events.flatMap(kinesisRecordData);

  /** A stream of one shard and the service mapping it on this Redis. */
  async function mapStream(startingPosition: 'LATEST' | 'TRIM_HORIZON', redisSettings = ''): Promise<{ stream: TestStream; running: RunningService }> {
    const stream = await createTestStream(clients.kinesis, 1, 't-redis-fault');
    service = await startService({
      servers,
      env: { REDIS_URL: redis.url },
      config: [
        `functions: { f: { url: "${target.url}" } }`,
        ...(redisSettings ? [`redis: { ${redisSettings} }`] : []),
        'eventSourceMappings:',
        `  - { FunctionName: f, EventSourceArn: "${stream.arn}", StartingPosition: ${startingPosition}, BatchSize: 1 }`,
      ].join('\n'),
    });
    return { stream, running: service };
  }

  it('that lost its data: a LATEST mapping replays from TRIM_HORIZON instead of skipping, and the mappings are written back', async () => {
    const { stream, running } = await mapStream('LATEST');
    const put = (data: string) => stream.put([data], 'k');

    // A batch is in flight when Redis loses everything; records arrive before the shard is read again.
    await put('held');
    await waitFor(() => delivered().includes('held'), { message: 'the first record was not delivered' });
    await admin.flushall();
    await put('after-1');
    await put('after-2');
    releaseHeld();

    // The checkpoint of the held batch is refused (its lease is gone), the shard is taken again without a
    // checkpoint: a new LATEST would skip both records; a replay from TRIM_HORIZON delivers them.
    await waitFor(() => delivered().includes('after-1') && delivered().includes('after-2'), {
      message: 'records written after the loss were skipped',
      timeoutMs: 45_000,
    });
    expect(delivered().filter((data) => data === 'after-1')).toHaveLength(1);

    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(counter(metrics, 'esm_redis_data_loss_total')).toBe(1);
    expect(counter(metrics, 'esm_positions_lost_total')).toBeGreaterThanOrEqual(1);
    expect(running.logs.some((line) => line.level === 'error' && String(line.msg).startsWith('redis_data_loss_detected'))).toBe(true);

    // The mapping is back in the store, with its configuration.
    const listed = (await (await fetch(`${running.url}/2015-03-31/event-source-mappings`)).json()) as {
      EventSourceMappings: { EventSourceArn: string; StartingPosition: string; State: string }[];
    };
    expect(listed.EventSourceMappings).toHaveLength(1);
    expect(listed.EventSourceMappings[0]).toMatchObject({ EventSourceArn: stream.arn, StartingPosition: 'LATEST', State: 'Enabled' });
  });

  it('that stops answering (frozen, connection open): commands time out, the lease is given up once it may have expired, and processing resumes when Redis answers again', async () => {
    const { stream, running } = await mapStream('TRIM_HORIZON', 'commandTimeoutMs: 500');
    const put = (data: string) => stream.put([data], 'k');
    await put('before');
    await waitFor(() => delivered().includes('before'), { message: 'first record not delivered' });

    process.kill(redis.process.pid, 'SIGSTOP');
    // Renewals fail instead of hanging: the lease is given up once it may have expired (10 s), so another replica
    // could take the shard without two invoking at once.
    await waitFor(() => running.logs.some((line) => line.msg === 'lease_expired_unrenewed'), {
      message: 'the lease was never given up while Redis was frozen',
      timeoutMs: 30_000,
    });
    await put('during');
    process.kill(redis.process.pid, 'SIGCONT');
    await waitFor(() => delivered().includes('during'), { message: 'processing did not resume', timeoutMs: 30_000 });
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
  });
});
