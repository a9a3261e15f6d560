import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('shards that left the stream', () => {
  let fixture: KinesisFixture;
  let redis: Redis;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
    redis = createRedis(servers.redisUrl, createLogger('silent'));
  });

  afterAll(async () => {
    await fixture?.close();
    await redis?.quit();
    clients.destroy();
  });

  it('lose their lease and checkpoint in Redis; the shards the stream lists keep theirs', async () => {
    const stream = await fixture.createStream(1);
    const [put] = await fixture.put(stream.arn, [{ data: 'kept', key: 'k' }]);
    const mapping = fixture.mapping(stream.arn, {});
    // What a shard trimmed away long ago leaves behind: its lease entry and its checkpoint.
    const gone = 'shardId-000000000999';
    await redis.hset(fixture.keys.lease(mapping.UUID, gone), { owner: '', counter: '3', expiresAt: '0' });
    await redis.sadd(fixture.keys.leaseIndex(mapping.UUID), gone);
    await redis.hset(fixture.keys.checkpoint(mapping.UUID, gone), { seq: '49600000000000000000000000000000000000000000000000000000', ended: '1' });

    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(mapping, invoker);
    await subject.poller.start();
    await waitFor(() => invoker.deliveredData.includes('kept'), { message: 'the listed shard was not read' });
    await waitFor(async () => (await redis.exists(fixture.keys.lease(mapping.UUID, gone), fixture.keys.checkpoint(mapping.UUID, gone))) === 0, {
      message: "the vanished shard's lease and checkpoint are still there",
    });
    expect(await redis.sismember(fixture.keys.leaseIndex(mapping.UUID), gone)).toBe(0);
    await waitFor(async () => (await redis.hget(fixture.keys.checkpoint(mapping.UUID, put!.shardId), 'seq')) === put!.sequenceNumber, {
      message: 'the listed shard lost its checkpoint',
    });
    expect(await redis.sismember(fixture.keys.leaseIndex(mapping.UUID), put!.shardId)).toBe(1);
  });
});
