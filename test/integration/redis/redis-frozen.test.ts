import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { testClients } from '../../harness/aws-clients.js';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { waitForActive } from '../kinesis/kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

interface KinesisInvocation {
  Records: { kinesis: { data: string } }[];
}
const dataOf = (event: unknown) => (event as KinesisInvocation).Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString());

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
    const streamName = uniqueName('t-frozen');
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
    const streamArn = await waitForActive(clients.kinesis, streamName);
    const put = (data: string) => clients.kinesis.send(new PutRecordsCommand({ StreamARN: streamArn, Records: [{ Data: Buffer.from(data), PartitionKey: 'k' }] }));
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
