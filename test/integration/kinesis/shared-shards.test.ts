import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import { RedisLeaseStore } from '../../../src/leases/redis-lease-store.js';
import type { Metrics } from '../../../src/observability/metrics.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis } from '../../../src/redis/redis-connection.js';
import { KinesisFixture, MemoryDestinations, ScriptedInvoker, type KinesisEventRecord, type PollerUnderTest } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

/** Shards a worker reports an iterator age for, for one mapping. */
async function reportedShards(metrics: Metrics, mappingUuid: string): Promise<Set<string>> {
  const values = (await metrics.iteratorAge.get()).values.filter((value) => value.labels.mapping === mappingUuid);
  return new Set(values.map((value) => String(value.labels.shard)));
}

describe('several workers on one Kinesis mapping', () => {
  let fixture: KinesisFixture;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('share the shards, process each shard on one worker at a time, and take over the shards of a worker that stops', async () => {
    const stream = await fixture.createStream(2);
    const mapping = fixture.mapping(stream.arn, { BatchSize: 3 });
    // Invocations in flight per shard across both workers; a second one at once would break per-shard order.
    const inFlight = new Map<string, number>();
    let overlap = false;
    const invoker = () =>
      new ScriptedInvoker(async (event) => {
        const shardId = event.Records[0]!.eventID.split(':')[0]!;
        const running = (inFlight.get(shardId) ?? 0) + 1;
        inFlight.set(shardId, running);
        if (running > 1) overlap = true;
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight.set(shardId, running - 1);
        return { kind: 'success' };
      });
    const invokerA = invoker();
    const invokerB = invoker();
    const a = fixture.poller(mapping, invokerA, { workerId: 'worker-a' });
    const b = fixture.poller(mapping, invokerB, { workerId: 'worker-b' });
    const recordsOf = (scripted: ScriptedInvoker): KinesisEventRecord[] => scripted.events.flatMap((event) => event.Records);
    const delivered = () => [...recordsOf(invokerA), ...recordsOf(invokerB)];
    const heldBy = async (subject: PollerUnderTest) =>
      (await subject.metrics.leasesHeld.get()).values.find((value) => value.labels.mapping === mapping.UUID)?.value ?? 0;

    await a.poller.start();
    await waitFor(async () => (await heldBy(a)) === 2, { message: 'first worker did not take both shards' });
    await b.poller.start();
    await waitFor(async () => (await heldBy(a)) === 1 && (await heldBy(b)) === 1, { message: 'shards not balanced', timeoutMs: 15_000 });

    const keys = Array.from({ length: 16 }, (_, i) => `key-${i}`);
    const firstPut = await fixture.put(stream.arn, keys.map((key, i) => ({ data: `one-${i}`, key })));
    await waitFor(() => delivered().length >= firstPut.length, { message: 'records not delivered' });
    expect(delivered()).toHaveLength(firstPut.length);
    expect(recordsOf(invokerA).length).toBeGreaterThan(0);
    expect(recordsOf(invokerB).length).toBeGreaterThan(0);

    await a.poller.stop();
    await waitFor(async () => (await heldBy(b)) === 2, { message: 'survivor did not take the released shard', timeoutMs: 15_000 });
    const secondPut = await fixture.put(stream.arn, keys.map((key, i) => ({ data: `two-${i}`, key })));
    await waitFor(() => delivered().length >= firstPut.length + secondPut.length, { message: 'records after the hand-over not delivered' });

    expect(delivered()).toHaveLength(firstPut.length + secondPut.length);
    expect(overlap).toBe(false);
    // Per partition key, delivery order (worker A's deliveries all precede B's takeover) is put order.
    const byKey = new Map<string, string[]>();
    for (const record of [...recordsOf(invokerA), ...recordsOf(invokerB)]) {
      const data = Buffer.from(record.kinesis.data, 'base64').toString();
      byKey.set(record.kinesis.partitionKey, [...(byKey.get(record.kinesis.partitionKey) ?? []), data]);
    }
    for (const [key, data] of byKey) expect(data).toEqual([`one-${key.slice(4)}`, `two-${key.slice(4)}`]);
  });

  it('a worker whose lease was taken stops without moving the checkpoint', async () => {
    const stream = await fixture.createStream(1);
    const [shardId] = await fixture.shardIds(stream.arn);
    const put = await fixture.put(stream.arn, [{ data: 'first', key: 'k' }, { data: 'second', key: 'k' }]);
    const mapping = fixture.mapping(stream.arn, { BatchSize: 1 });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const invoker = new ScriptedInvoker(async (_event, index) => {
      if (index === 1) await held; // the second batch is in flight while the lease changes hands
      return { kind: 'success' };
    });
    const subject = fixture.poller(mapping, invoker, { workerId: 'worker-a' });
    const redis = createRedis(servers.redisUrl, createLogger('silent'));
    try {
      const checkpoints = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
      await subject.poller.start();
      await waitFor(() => invoker.events.length === 2, { message: 'second batch not in flight' });
      expect((await checkpoints.get(shardId!))?.sequenceNumber).toBe(put[0]!.sequenceNumber);

      // Another worker takes the lease (as after an expiry): the fencing counter moves on.
      await redis.hset(fixture.keys.lease(mapping.UUID, shardId!), 'owner', 'worker-b', 'expiresAt', Date.now() + 60_000);
      await redis.hincrby(fixture.keys.lease(mapping.UUID, shardId!), 'counter', 1);
      await waitFor(() => subject.logs.some((line) => line.msg === 'lease_lost'), { message: 'lease loss not noticed' });
      release();

      await waitFor(() => subject.logs.some((line) => line.msg === 'shard_consumer_lease_lost'), { message: 'consumer did not stop' });
      expect((await checkpoints.get(shardId!))?.sequenceNumber).toBe(put[0]!.sequenceNumber);
      const leases = await new RedisLeaseStore(redis, fixture.keys, mapping.UUID).list();
      expect(leases.leases).toEqual([expect.objectContaining({ shardId, owner: 'worker-b' })]);
      expect(invoker.events).toHaveLength(2);
    } finally {
      release();
      await redis.quit();
    }
  });

  it('a worker whose lease is taken while it retries queuing a failure record stops: nothing queued, no checkpoint', async () => {
    const stream = await fixture.createStream(1);
    const [shardId] = await fixture.shardIds(stream.arn);
    await fixture.put(stream.arn, [{ data: 'bad', key: 'k' }]);
    const destinations = new MemoryDestinations();
    destinations.failing = true;
    const invoker = new ScriptedInvoker(() => ({ kind: 'function_error' }));
    const mapping = fixture.mapping(stream.arn, {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:t-on-failure' } },
    });
    const subject = fixture.poller(mapping, invoker, { workerId: 'worker-a', destinations });
    const redis = createRedis(servers.redisUrl, createLogger('silent'));
    try {
      await subject.poller.start();
      await waitFor(() => subject.logs.some((line) => line.msg === 'failure_record_enqueue_failed'), { message: 'enqueue not failing' });

      await redis.hset(fixture.keys.lease(mapping.UUID, shardId!), 'owner', 'worker-b', 'expiresAt', Date.now() + 60_000);
      await redis.hincrby(fixture.keys.lease(mapping.UUID, shardId!), 'counter', 1);
      await waitFor(() => subject.logs.some((line) => line.msg === 'shard_consumer_lease_lost'), { message: 'consumer did not stop' });
      destinations.failing = false;

      expect(destinations.deliveries).toEqual([]);
      expect(await new RedisCheckpointStore(redis, fixture.keys, mapping.UUID).get(shardId!)).toBeUndefined();
      expect(invoker.events).toHaveLength(1);
    } finally {
      await redis.quit();
    }
  });

  it('report a shard\'s iterator age only on its owner: the series is removed when the shard leaves a worker (handed to another replica, or the poller stops)', async () => {
    const stream = await fixture.createStream(2);
    const put = await fixture.put(stream.arn, Array.from({ length: 20 }, (_, i) => ({ data: `a-${i}`, key: `key-${i}` })));
    const shards = new Set(put.map((entry) => entry.shardId));
    expect(shards.size).toBe(2);
    const mapping = fixture.mapping(stream.arn, { BatchSize: 5 });
    const first = fixture.poller(mapping, new ScriptedInvoker());
    await first.poller.start();
    await waitFor(async () => (await reportedShards(first.metrics, mapping.UUID)).size === 2, { message: 'iterator age not reported for both shards' });

    // A second replica joins: one shard is handed over, and only its new owner reports it.
    const secondInvoker = new ScriptedInvoker();
    const second = fixture.poller(mapping, secondInvoker);
    await second.poller.start();
    // Records keep coming on both shards, so whoever holds a shard reports it.
    await waitFor(
      async () => {
        await fixture.put(stream.arn, Array.from({ length: 4 }, (_, i) => ({ data: `b-${i}`, key: `key-${i}` })));
        return (await reportedShards(second.metrics, mapping.UUID)).size === 1;
      },
      { timeoutMs: 30_000, intervalMs: 300, message: 'the second replica did not take a shard' },
    );
    const moved = [...(await reportedShards(second.metrics, mapping.UUID))][0]!;
    await waitFor(async () => !(await reportedShards(first.metrics, mapping.UUID)).has(moved), { timeoutMs: 30_000, message: 'the former owner still reports the shard handed over' });
    expect((await reportedShards(first.metrics, mapping.UUID)).size).toBe(1);

    await first.poller.stop();
    expect((await reportedShards(first.metrics, mapping.UUID)).size).toBe(0);
  });
});
