import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { testClients } from '../../harness/aws-clients.js';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { waitFor } from '../../harness/wait-for.js';
import { createTestStream, kinesisRecordData } from '../../harness/kinesis-stream.js';

const servers = inject('servers');
const clients = testClients(servers);

const dataOf = kinesisRecordData;

function counter(metricsText: string, name: string): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('Redis that lost its data while the service runs', () => {
  let redis: LocalServer;
  let admin: Redis;
  let target: RecordingTarget;
  let service: RunningService | undefined;
  let releaseHeld: () => void = () => undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    target = await startRecordingTarget(async (event) => {
      if (dataOf(event).includes('held')) await held;
      return undefined;
    });
  });

  afterAll(async () => {
    releaseHeld();
    await service?.stop();
    await target?.close();
    admin?.disconnect();
    await redis?.stop();
    clients.destroy();
  });

  it('replays a LATEST Kinesis mapping from TRIM_HORIZON instead of skipping, and writes the mappings back', async () => {
    const stream = await createTestStream(clients.kinesis, 1, 't-loss');
    const streamArn = stream.arn;
    const put = (data: string) => stream.put([data], 'k');
    service = await startService({
      servers,
      env: { REDIS_URL: redis.url },
      config: [
        `functions: { f: { url: "${target.url}" } }`,
        'eventSourceMappings:',
        `  - { FunctionName: f, EventSourceArn: "${streamArn}", StartingPosition: LATEST, BatchSize: 1 }`,
      ].join('\n'),
    });
    const delivered = () => target.events.flatMap(dataOf);

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

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(counter(metrics, 'esm_redis_data_loss_total')).toBe(1);
    expect(counter(metrics, 'esm_positions_lost_total')).toBeGreaterThanOrEqual(1);
    expect(service.logs.some((line) => line.level === 'error' && String(line.msg).startsWith('redis_data_loss_detected'))).toBe(true);

    // The mapping is back in the store, with its configuration.
    const listed = (await (await fetch(`${service.url}/2015-03-31/event-source-mappings`)).json()) as {
      EventSourceMappings: { EventSourceArn: string; StartingPosition: string; State: string }[];
    };
    expect(listed.EventSourceMappings).toHaveLength(1);
    expect(listed.EventSourceMappings[0]).toMatchObject({ EventSourceArn: streamArn, StartingPosition: 'LATEST', State: 'Enabled' });
  });
});
