import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { HeldLease } from '../../../src/leases/lease.js';
import type { CheckpointStore } from '../../../src/checkpoints/checkpoint-store.js';
import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import type { ShardCheckpoint } from '../../../src/checkpoints/shard-checkpoint.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

/** The Redis checkpoint store, except that its first `get` fails as an unexpected error would. */
class FirstReadFails implements CheckpointStore {
  failed = false;
  constructor(private readonly store: CheckpointStore) {}
  async get(shardId: string): Promise<ShardCheckpoint | undefined> {
    if (!this.failed) {
      this.failed = true;
      throw new TypeError('unexpected checkpoint shape');
    }
    return this.store.get(shardId);
  }
  getMany(shardIds: readonly string[]): Promise<ReadonlyMap<string, ShardCheckpoint>> {
    return this.store.getMany(shardIds);
  }
  commit(lease: HeldLease, sequenceNumber: string): Promise<boolean> {
    return this.store.commit(lease, sequenceNumber);
  }
  markShardEnded(lease: HeldLease, lastSequenceNumber?: string): Promise<void> {
    return this.store.markShardEnded(lease, lastSequenceNumber);
  }
  pinStart(shardId: string, startMs: number): Promise<number | undefined> {
    return this.store.pinStart(shardId, startMs);
  }
  forget(shardIds: readonly string[]): Promise<void> {
    return this.store.forget(shardIds);
  }
  markStarted(): Promise<void> {
    return this.store.markStarted();
  }
  markPositionsLost(): Promise<boolean> {
    return this.store.markPositionsLost();
  }
  latestAllowed(): Promise<{ allowed: boolean; lossNoticed: boolean }> {
    return this.store.latestAllowed();
  }
}

describe('a Kinesis shard consumer that fails with an unexpected error', () => {
  let fixture: KinesisFixture;
  let redis: Redis;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
    redis = createRedis(servers.redisUrl, createLogger('silent'), 't-consumer-failure');
  });

  afterAll(async () => {
    await fixture?.close();
    redis?.disconnect();
    clients.destroy();
  });

  it('gives its shard up and the shard is taken again: the batch in flight is invoked again, nothing is lost', async () => {
    const stream = await fixture.createStream(1);
    const [shardId] = await fixture.shardIds(stream.arn);
    const put = await fixture.put(stream.arn, [{ data: 'a', key: 'k' }, { data: 'b', key: 'k' }, { data: 'c', key: 'k' }]);
    const invoker = new ScriptedInvoker((_event, index) => {
      if (index === 1) throw new Error('the invoker broke its contract');
      return { kind: 'success' };
    });
    const mapping = fixture.mapping(stream.arn, { BatchSize: 1 });
    const subject = fixture.poller(mapping, invoker);
    const checkpoints = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);

    await subject.poller.start();
    await waitFor(async () => (await checkpoints.get(shardId!))?.sequenceNumber === put[2]!.sequenceNumber, {
      message: 'the shard was not processed to its last record',
    });

    expect(subject.logs.filter((line) => line.msg === 'shard_consumer_failed')).toHaveLength(1);
    expect(invoker.deliveredData).toEqual(['a', 'b', 'b', 'c']);
  });

  it('is started again when it could not even read its checkpoint', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, [{ data: 'only', key: 'k' }]);
    const invoker = new ScriptedInvoker();
    const mapping = fixture.mapping(stream.arn);
    const store = new FirstReadFails(new RedisCheckpointStore(redis, fixture.keys, mapping.UUID));
    const subject = fixture.poller(mapping, invoker, { checkpoints: store });

    await subject.poller.start();
    await waitFor(() => invoker.deliveredData.includes('only'), { message: 'the shard was not taken again' });

    expect(store.failed).toBe(true);
    expect(subject.logs.filter((line) => line.msg === 'shard_consumer_failed')).toHaveLength(1);
  });
});
