import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis } from '../../../src/redis/redis-connection.js';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker, type KinesisEventRecord, type PollerUnderTest } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('Kinesis leases that move cleanly', () => {
  let fixture: KinesisFixture;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  const dataOf = (scripted: ScriptedInvoker): string[] =>
    scripted.events.flatMap((event) => event.Records.map((record: KinesisEventRecord) => Buffer.from(record.kinesis.data, 'base64').toString()));
  const heldBy = async (subject: PollerUnderTest, uuid: string) =>
    (await subject.metrics.leasesHeld.get()).values.find((value) => value.labels.mapping === uuid)?.value ?? 0;

  it('a rebalance to a second replica while records flow re-delivers nothing', async () => {
    const stream = await fixture.createStream(2);
    const mapping = fixture.mapping(stream.arn, { BatchSize: 5 });
    const slow = () =>
      new ScriptedInvoker(async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return { kind: 'success' };
      });
    const invokerA = slow();
    const invokerB = slow();
    const a = fixture.poller(mapping, invokerA, { workerId: 'worker-a' });
    const b = fixture.poller(mapping, invokerB, { workerId: 'worker-b' });
    await a.poller.start();
    await waitFor(async () => (await heldBy(a, mapping.UUID)) === 2, { message: 'first worker did not take both shards' });

    // Records keep coming while the second replica claims a shard and the first hands it over.
    const sent: string[] = [];
    let producing = true;
    const producer = (async () => {
      for (let round = 0; producing; round += 1) {
        const batch = Array.from({ length: 4 }, (_, i) => ({ data: `r${round}-${i}`, key: `key-${i}` }));
        await fixture.put(stream.arn, batch);
        sent.push(...batch.map((record) => record.data));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    await waitFor(() => dataOf(invokerA).length > 0, { message: 'first worker delivered nothing' });
    await b.poller.start();
    await waitFor(async () => (await heldBy(a, mapping.UUID)) === 1 && (await heldBy(b, mapping.UUID)) === 1, {
      message: 'shards not rebalanced',
      timeoutMs: 30_000,
    });
    await waitFor(() => dataOf(invokerB).length > 0, { message: 'second worker delivered nothing after the hand-over' });
    producing = false;
    await producer;

    const delivered = () => [...dataOf(invokerA), ...dataOf(invokerB)];
    await waitFor(() => new Set(delivered()).size >= sent.length, { message: 'records not delivered', timeoutMs: 20_000 });
    expect(delivered().length).toBe(sent.length); // every record once: the hand-over re-delivered nothing
    expect(new Set(delivered())).toEqual(new Set(sent));
    expect(b.logs).toContainEqual(expect.objectContaining({ msg: 'lease_claimed' }));
    expect(a.logs).toContainEqual(expect.objectContaining({ msg: 'shard_consumer_stopped', reason: 'handoff' }));
  });

  it('after its holder stops, another replica takes the shard within 2 s (default lease timings) and processes it', async () => {
    const stream = await fixture.createStream(1);
    const mapping = fixture.mapping(stream.arn, { BatchSize: 10 });
    const invokerA = new ScriptedInvoker();
    const invokerB = new ScriptedInvoker();
    const options = { poller: { shardSyncIntervalMs: 500 } };
    const a = fixture.poller(mapping, invokerA, { ...options, workerId: 'worker-a' });
    const b = fixture.poller(mapping, invokerB, { ...options, workerId: 'worker-b' });
    await a.poller.start();
    await waitFor(async () => (await heldBy(a, mapping.UUID)) === 1, { message: 'first worker did not take the shard' });
    await b.poller.start();
    await fixture.put(stream.arn, [{ data: 'before', key: 'k' }]);
    await waitFor(() => dataOf(invokerA).includes('before'), { message: 'first record not delivered' });

    const stoppedAt = performance.now();
    await a.poller.stop();
    await waitFor(async () => (await heldBy(b, mapping.UUID)) === 1, { message: 'shard not taken over', intervalMs: 20 });
    const tookMs = performance.now() - stoppedAt;
    await fixture.put(stream.arn, [{ data: 'after', key: 'k' }]);
    await waitFor(() => dataOf(invokerB).includes('after'), { message: 'shard not processed again', timeoutMs: 10_000 });

    console.log(`shard taken over ${Math.round(tookMs)} ms after its holder began to stop`);
    expect(tookMs).toBeLessThan(2_000);
    expect(dataOf(invokerB)).toEqual(['after']);
  });

  it('keeps renewing while a stopping replica finishes a batch longer than the lease: nobody else invokes it meanwhile', async () => {
    const stream = await fixture.createStream(1);
    const mapping = fixture.mapping(stream.arn, { BatchSize: 10 });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const invokerA = new ScriptedInvoker(async () => {
      await held;
      return { kind: 'success' };
    });
    const invokerB = new ScriptedInvoker();
    // Lease 1.5 s (FAST_LEASES): the batch in flight outlives it several times over.
    const a = fixture.poller(mapping, invokerA, { workerId: 'worker-a', drainTimeoutMs: 10_000 });
    const b = fixture.poller(mapping, invokerB, { workerId: 'worker-b' });
    await a.poller.start();
    await waitFor(async () => (await heldBy(a, mapping.UUID)) === 1, { message: 'first worker did not take the shard' });
    await b.poller.start();
    await fixture.put(stream.arn, [{ data: 'slow', key: 'k' }]);
    await waitFor(() => invokerA.events.length === 1, { message: 'batch not started' });

    const stopStartedMs = Date.now();
    const stopping = a.poller.stop();
    // The lease keeps being renewed well past a lease duration from the stop, and nobody else invokes meanwhile.
    const redis = createRedis(servers.redisUrl, createLogger('silent'));
    try {
      const [shardId] = await fixture.shardIds(stream.arn);
      const leaseKey = fixture.keys.lease(mapping.UUID, shardId!);
      await waitFor(async () => Number(await redis.hget(leaseKey, 'expiresAt')) > stopStartedMs + 3_000, {
        message: 'lease not renewed while the stopping replica still invokes',
      });
      expect(await redis.hget(leaseKey, 'owner')).toBe('worker-a');
    } finally {
      await redis.quit();
    }
    expect(invokerB.events).toEqual([]);
    release();
    await stopping;

    await fixture.put(stream.arn, [{ data: 'next', key: 'k' }]);
    await waitFor(() => dataOf(invokerB).includes('next'), { message: 'shard not taken over after the stop' });
    expect(dataOf(invokerB)).toEqual(['next']);
  });
});
