import { ListShardsCommand, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis } from '../../../src/redis/redis-connection.js';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker, waitForActive } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);
const KEYS = Array.from({ length: 12 }, (_, i) => `key-${i}`);

/** Data delivered per partition key, in delivery order. */
function dataByKey(invoker: ScriptedInvoker): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const record of invoker.events.flatMap((event) => event.Records)) {
    byKey.set(record.kinesis.partitionKey, [...(byKey.get(record.kinesis.partitionKey) ?? []), Buffer.from(record.kinesis.data, 'base64').toString()]);
  }
  return byKey;
}

/** A function slow enough that the parent shard is still being processed when its children get records. */
const slowFunction = () => new ScriptedInvoker(async () => (await new Promise((resolve) => setTimeout(resolve, 15)), { kind: 'success' }));

describe('Kinesis resharding while processing', () => {
  let fixture: KinesisFixture;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('finishes the parent of a split before its children: nothing lost, per-key order kept (LATEST mapping)', async () => {
    const stream = await fixture.createStream(1);
    const invoker = slowFunction();
    const subject = fixture.poller(fixture.mapping(stream.arn, { StartingPosition: 'LATEST', BatchSize: 2 }), invoker);
    await subject.poller.start();

    await fixture.put(stream.arn, KEYS.map((key) => ({ data: `${key}:1`, key })));
    const [parent] = (await clients.kinesis.send(new ListShardsCommand({ StreamARN: stream.arn }))).Shards!;
    const middle = (BigInt(parent!.HashKeyRange!.StartingHashKey!) + BigInt(parent!.HashKeyRange!.EndingHashKey!)) / 2n;
    await clients.kinesis.send(new SplitShardCommand({ StreamName: stream.name, ShardToSplit: parent!.ShardId!, NewStartingHashKey: middle.toString() }));
    await waitForActive(clients.kinesis, stream.name);
    await fixture.put(stream.arn, KEYS.map((key) => ({ data: `${key}:2`, key })));

    await waitFor(() => invoker.deliveredData.length >= KEYS.length * 2, { message: 'records of the children not delivered', timeoutMs: 30_000 });
    expect(invoker.deliveredData).toHaveLength(KEYS.length * 2);
    for (const key of KEYS) expect(dataByKey(invoker).get(key)).toEqual([`${key}:1`, `${key}:2`]);
    const parentEnded = subject.logs.findIndex((line) => line.msg === 'shard_ended' && line.shardId === parent!.ShardId);
    const childStarts = subject.logs.flatMap((line, index) => (line.msg === 'shard_consumer_started' && line.shardId !== parent!.ShardId ? [index] : []));
    expect(parentEnded).toBeGreaterThanOrEqual(0);
    expect(childStarts).toHaveLength(2);
    expect(childStarts.every((index) => index > parentEnded)).toBe(true);
  });

  it('finishes both parents of a merge before the merged shard', async () => {
    const stream = await fixture.createStream(2);
    const invoker = slowFunction();
    const subject = fixture.poller(fixture.mapping(stream.arn, { BatchSize: 2 }), invoker);
    await subject.poller.start();

    await fixture.put(stream.arn, KEYS.map((key) => ({ data: `${key}:1`, key })));
    const [left, right] = (await clients.kinesis.send(new ListShardsCommand({ StreamARN: stream.arn }))).Shards!;
    await clients.kinesis.send(new MergeShardsCommand({ StreamName: stream.name, ShardToMerge: left!.ShardId!, AdjacentShardToMerge: right!.ShardId! }));
    await waitForActive(clients.kinesis, stream.name);
    await fixture.put(stream.arn, KEYS.map((key) => ({ data: `${key}:2`, key })));

    await waitFor(() => invoker.deliveredData.length >= KEYS.length * 2, { message: 'records of the merged shard not delivered', timeoutMs: 30_000 });
    expect(invoker.deliveredData).toHaveLength(KEYS.length * 2);
    for (const key of KEYS) expect(dataByKey(invoker).get(key)).toEqual([`${key}:1`, `${key}:2`]);
    const ended = subject.logs.filter((line) => line.msg === 'shard_ended').map((line) => line.shardId);
    expect(ended).toEqual(expect.arrayContaining([left!.ShardId, right!.ShardId]));
  });

  it('removes the lease and checkpoint of a shard the stream no longer lists; the listed shards keep theirs', async () => {
    const redis = createRedis(servers.redisUrl, createLogger('silent'));
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
      await redis.quit();
  });
});
