import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { waitFor } from '../../harness/wait-for.js';
import { counterValue, KinesisFixture, ScriptedInvoker } from './kinesis-fixture.js';
import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import { createRedis } from '../../../src/redis/redis-connection.js';
import { createLogger } from '../../../src/observability/logger.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('Kinesis mapping while Redis is unreachable', () => {
  let redis: LocalServer;
  let fixture: KinesisFixture;

  beforeAll(async () => {
    redis = await startRedisServer();
    fixture = new KinesisFixture({ ...servers, redisUrl: redis.url }, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    await redis?.stop();
    clients.destroy();
  });

  it('pauses (no checkpoint moves, at most one batch goes out) and resumes by itself when Redis is back', async () => {
    const stream = await fixture.createStream(1);
    const invoker = new ScriptedInvoker();
    const mapping = fixture.mapping(stream.arn, { BatchSize: 2 });
    const subject = fixture.poller(mapping, invoker);
    await subject.poller.start();
    const [before] = await fixture.put(stream.arn, [{ data: 'before', key: 'k' }]);
    await waitFor(() => invoker.deliveredData.includes('before'), { message: 'first record not delivered' });
    // The outage starts once that batch is checkpointed: a checkpoint still waiting would hold the shard instead.
    const connection = createRedis(redis.url, createLogger('silent'));
    try {
      const checkpoints = new RedisCheckpointStore(connection, fixture.keys, mapping.UUID);
      await waitFor(async () => (await checkpoints.get(before!.shardId))?.sequenceNumber === before!.sequenceNumber, { message: 'first batch not checkpointed' });
    } finally {
      await connection.quit();
    }

    await redis.stop();
    await fixture.put(stream.arn, Array.from({ length: 6 }, (_, i) => ({ data: `during-${i}`, key: 'k' })));
    // Reading goes on and the batch read is invoked; its checkpoint then waits for Redis and the shard stops there
    // (without the outage, the other two batches would follow within milliseconds).
    await waitFor(async () => (await counterValue(subject.metrics.polledEvents, mapping.UUID)) === 7 && invoker.deliveredData.length >= 3, {
      message: 'nothing read during the outage',
    });
    expect(invoker.deliveredData).toEqual(['before', 'during-0', 'during-1']);

    redis = await startRedisServer({ port: redis.port });
    await waitFor(
      () => Array.from({ length: 6 }, (_, i) => `during-${i}`).every((data) => invoker.deliveredData.includes(data)),
      { message: 'processing did not resume after Redis came back', timeoutMs: 30_000 },
    );
  });
});
