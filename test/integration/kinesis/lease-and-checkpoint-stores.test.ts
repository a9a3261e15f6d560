import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CheckpointRegressionError } from '../../../src/checkpoints/checkpoint-error.js';
import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import { LeaseLostError } from '../../../src/leases/lease-error.js';
import { RedisLeaseStore } from '../../../src/leases/redis-lease-store.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

const servers = inject('servers');

describe('Redis lease and checkpoint stores', () => {
  let redis: Redis;
  const keys = new RedisKeys(uniqueName('t-stores'));
  let mapping = '';
  let leases: RedisLeaseStore;
  let checkpoints: RedisCheckpointStore;

  beforeAll(() => {
    redis = createRedis(servers.redisUrl, createLogger('silent'));
  });

  afterAll(async () => {
    await redis?.quit();
  });

  function fresh(): void {
    mapping = uniqueName('mapping');
    leases = new RedisLeaseStore(redis, keys, mapping);
    checkpoints = new RedisCheckpointStore(redis, keys, mapping);
  }

  it('gives a free lease to one worker, raising the fencing counter at every take', async () => {
    fresh();
    const a = await leases.take('shard-1', 'worker-a', 10_000);
    expect(a).toEqual({ shardId: 'shard-1', owner: 'worker-a', counter: 1 });
    expect(await leases.take('shard-1', 'worker-b', 10_000)).toBeUndefined();
    expect(await leases.renew(a!, 10_000)).toBe('renewed');

    expect(await leases.release(a!)).toBe(true);
    const b = await leases.take('shard-1', 'worker-b', 10_000);
    expect(b).toEqual({ shardId: 'shard-1', owner: 'worker-b', counter: 2 });
    expect(await leases.renew(a!, 10_000)).toBe('lost');
    expect(await leases.release(a!)).toBe(false);

    const { leases: listed, nowMs } = await leases.list();
    expect(listed).toEqual([{ shardId: 'shard-1', owner: 'worker-b', counter: 2, expiresAtMs: expect.any(Number) }]);
    expect(listed[0]!.expiresAtMs).toBeGreaterThan(nowMs);
  });

  it('lets another worker take a lease that expired without renewal', async () => {
    fresh();
    const a = await leases.take('shard-1', 'worker-a', 200);
    const b = await waitFor(() => leases.take('shard-1', 'worker-b', 10_000), { message: 'expired lease not taken', intervalMs: 50 });
    expect(b.counter).toBe(a!.counter + 1);
    expect(await leases.renew(a!, 10_000)).toBe('lost');
  });

  it('hands a claimed lease over: the holder is told at renewal, and only the claimant takes it once released', async () => {
    fresh();
    const a = (await leases.take('shard-1', 'worker-a', 10_000))!;
    expect(await leases.claim(a, 'worker-b', 10_000)).toBe(true);
    expect(await leases.claim(a, 'worker-c', 10_000)).toBe(false);
    expect((await leases.list()).leases[0]).toMatchObject({ claimant: 'worker-b' });
    expect(await leases.renew(a, 10_000)).toBe('handoff_requested');

    await leases.release(a);
    expect(await leases.take('shard-1', 'worker-c', 10_000)).toBeUndefined();
    expect(await leases.take('shard-1', 'worker-b', 10_000)).toMatchObject({ owner: 'worker-b', counter: 2 });
    expect((await leases.list()).leases[0]).not.toHaveProperty('claimant');
  });

  it('forgets the lease of an ended shard', async () => {
    fresh();
    const a = (await leases.take('shard-1', 'worker-a', 10_000))!;
    await leases.release(a, { forget: true });
    expect((await leases.list()).leases).toEqual([]);
  });

  it('counts live workers by heartbeat, and forgets those that leave', async () => {
    fresh();
    expect(await leases.heartbeat('worker-a', 10_000)).toBe(1);
    expect(await leases.heartbeat('worker-b', 10_000)).toBe(2);
    await leases.leave('worker-b');
    expect(await leases.heartbeat('worker-a', 10_000)).toBe(1);
    await leases.heartbeat('worker-c', 100);
    await waitFor(async () => (await leases.heartbeat('worker-a', 10_000)) === 1, { message: 'expired heartbeat still counted' });
  });

  it('refuses a checkpoint write from a worker whose lease was taken', async () => {
    fresh();
    const a = (await leases.take('shard-1', 'worker-a', 100))!;
    expect(await checkpoints.commit(a, '100')).toBe(true);
    const b = await waitFor(() => leases.take('shard-1', 'worker-b', 10_000), { intervalMs: 50 });

    await expect(checkpoints.commit(a, '200')).rejects.toBeInstanceOf(LeaseLostError);
    await expect(checkpoints.markShardEnded(a, '300')).rejects.toBeInstanceOf(LeaseLostError);
    expect(await checkpoints.get('shard-1')).toEqual({ sequenceNumber: '100', shardEnded: false });
    expect(await checkpoints.commit(b, '200')).toBe(true);
    expect(await checkpoints.get('shard-1')).toEqual({ sequenceNumber: '200', shardEnded: false });
  });

  it('moves checkpoints forward only, comparing sequence numbers as big integers (leading zeros too)', async () => {
    fresh();
    const a = (await leases.take('shard-1', 'worker-a', 10_000))!;
    const big = '49590338271490256608559692538361571095921575989136588898';
    expect(await checkpoints.commit(a, '9')).toBe(true);
    expect(await checkpoints.commit(a, '000000000000000000010')).toBe(true);
    expect(await checkpoints.commit(a, '10')).toBe(false);
    await expect(checkpoints.commit(a, '9')).rejects.toBeInstanceOf(CheckpointRegressionError);
    expect(await checkpoints.commit(a, big)).toBe(true);
    await expect(checkpoints.commit(a, '49590338271490256608559692538361571095921575989136588897')).rejects.toBeInstanceOf(CheckpointRegressionError);
    await checkpoints.markShardEnded(a);
    expect(await checkpoints.get('shard-1')).toEqual({ sequenceNumber: big, shardEnded: true });
  });

  it('pins a starting point once: the first pin wins', async () => {
    fresh();
    expect(await checkpoints.pinStart('shard-1', 1_000)).toBe(1_000);
    expect(await checkpoints.pinStart('shard-1', 2_000)).toBe(1_000);
    expect(await checkpoints.getMany(['shard-1', 'shard-2'])).toEqual(new Map([['shard-1', { shardEnded: false, pinnedStartMs: 1_000 }]]));
  });

  it('writes a tumbling window with the checkpoint in the same fenced step, and removes it on request or at shard end', async () => {
    fresh();
    const a = (await leases.take('shard-1', 'worker-a', 100))!;
    const window = { startMs: 1_000, endMs: 2_000, state: '{"count":2}', terminatedEarly: false };
    expect(await checkpoints.commit(a, '100', window)).toBe(true);
    expect(await checkpoints.get('shard-1')).toEqual({ sequenceNumber: '100', shardEnded: false, window });
    // The window alone, the position unchanged.
    const grown = { ...window, state: '{"count":3}' };
    expect(await checkpoints.commit(a, undefined, grown)).toBe(true);
    expect(await checkpoints.get('shard-1')).toEqual({ sequenceNumber: '100', shardEnded: false, window: grown });
    // Without a window argument the stored window is left alone; a regression writes nothing.
    expect(await checkpoints.commit(a, '101')).toBe(true);
    await expect(checkpoints.commit(a, '99', null)).rejects.toBeInstanceOf(CheckpointRegressionError);
    expect((await checkpoints.get('shard-1'))?.window).toEqual(grown);

    // A worker whose lease was taken cannot write or remove the window.
    const b = await waitFor(() => leases.take('shard-1', 'worker-b', 10_000), { intervalMs: 50 });
    await expect(checkpoints.commit(a, '102', null)).rejects.toBeInstanceOf(LeaseLostError);
    expect((await checkpoints.get('shard-1'))?.window).toEqual(grown);
    expect(await checkpoints.commit(b, undefined, null)).toBe(true);
    expect(await checkpoints.get('shard-1')).toEqual({ sequenceNumber: '101', shardEnded: false });

    expect(await checkpoints.commit(b, '103', window)).toBe(true);
    await checkpoints.markShardEnded(b);
    expect(await checkpoints.get('shard-1')).toEqual({ sequenceNumber: '103', shardEnded: true });
  });
});
