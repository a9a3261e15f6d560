import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

describe('a Redis that stops answering (frozen, connection open)', () => {
  let redis: LocalServer;
  let target: RecordingTarget;
  let service: RunningService | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
    target = await startRecordingTarget();
  });

  afterAll(async () => {
    try {
      process.kill(redis.process.pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
    await service?.stop();
    await target?.close();
    await redis?.stop();
    clients.destroy();
  });

  it('times commands out, gives the shard lease up once it may have expired, and resumes when Redis answers again', async () => {
    const stream = await createTestStream(clients.kinesis, 1, 't-frozen');
    const streamArn = stream.arn;
    const put = (data: string) => stream.put([data], 'k');
    service = await startService({
      servers,
      env: { REDIS_URL: redis.url },
      config: [
        `functions: { f: { url: "${target.url}" } }`,
        'redis: { commandTimeoutMs: 500 }',
        'eventSourceMappings:',
        `  - { FunctionName: f, EventSourceArn: "${streamArn}", StartingPosition: TRIM_HORIZON, BatchSize: 1 }`,
      ].join('\n'),
    });
    const delivered = () => target.events.flatMap(dataOf);
    await put('before');
    await waitFor(() => delivered().includes('before'), { message: 'first record not delivered' });

    process.kill(redis.process.pid, 'SIGSTOP');
    // Renewals fail instead of hanging: the lease is given up once it may have expired (10 s), so another replica
    // could take the shard without two invoking at once.
    await waitFor(() => service!.logs.some((line) => line.msg === 'lease_expired_unrenewed'), {
      message: 'the lease was never given up while Redis was frozen',
      timeoutMs: 30_000,
    });
    await put('during');
    process.kill(redis.process.pid, 'SIGCONT');
    await waitFor(() => delivered().includes('during'), { message: 'processing did not resume', timeoutMs: 30_000 });
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});
