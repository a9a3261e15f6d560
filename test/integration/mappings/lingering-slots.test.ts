import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetSlots } from '../../../src/concurrency/fleet-slots.js';
import { LingeringSlots, SLOT_MAX_HOLD_MS } from '../../../src/concurrency/lingering-slots.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

describe('LingeringSlots', () => {
  let server: LocalServer;
  let redis: Redis;
  /** Two replicas' slot holders on one Redis. */
  let replicaA: FleetSlots;
  let replicaB: FleetSlots;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedis({ url: server.url }, createLogger('silent'));
    replicaA = new FleetSlots(redis, 'replica-a', createLogger('silent'));
    replicaB = new FleetSlots(redis, 'replica-b', createLogger('silent'));
  });

  afterAll(async () => {
    await replicaA.close();
    await replicaB.close();
    await redis.quit();
    await server.stop();
  });

  it('hands a slot given back to the next acquisition of the process without asking Redis again', async () => {
    const key = uniqueName('t-slots');
    const slots = new LingeringSlots(replicaA, key);
    const first = (await slots.tryAcquire(1))!;
    slots.release(first);
    const second = (await slots.tryAcquire(1))!;
    expect(second.slot.token).toBe(first.slot.token);
    expect(await redis.zcard(key)).toBe(1);
    slots.release(second);
    slots.close();
    await waitFor(async () => (await redis.zcard(key)) === 0, { message: 'a closed holder kept its slot' });
  });

  it('gives a slot nobody takes over back to the fleet, which then lets another replica have it', async () => {
    const key = uniqueName('t-slots');
    const a = new LingeringSlots(replicaA, key);
    const b = new LingeringSlots(replicaB, key);
    a.release((await a.tryAcquire(1))!);
    // While it lingers it is still held: the limit counts it.
    expect(await b.tryAcquire(1)).toBeUndefined();
    await waitFor(async () => (await redis.zcard(key)) === 0, { message: 'the lingering slot was never given back' });
    const taken = await b.tryAcquire(1);
    expect(taken).toBeDefined();
    b.release(taken!);
    a.close();
    b.close();
  });

  it(`gives back a slot reused back to back once it was held ${SLOT_MAX_HOLD_MS} ms, so waiting replicas get a turn`, async () => {
    const key = uniqueName('t-slots');
    const a = new LingeringSlots(replicaA, key);
    const b = new LingeringSlots(replicaB, key);
    const first = (await a.tryAcquire(1))!;
    let current = first;
    let bGotOne = false;
    const deadline = performance.now() + SLOT_MAX_HOLD_MS * 20;
    while (!bGotOne && performance.now() < deadline) {
      a.release(current);
      // Another replica asks now and then, as a throttled poller does.
      const theirs = await b.tryAcquire(1);
      if (theirs) {
        bGotOne = true;
        b.release(theirs);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
      const next = await a.tryAcquire(1);
      if (next) current = next;
    }
    expect(bGotOne).toBe(true);
    a.close();
    b.close();
  });

  it('never counts more holders than the limit across replicas', async () => {
    const key = uniqueName('t-slots');
    const holders = [new LingeringSlots(replicaA, key), new LingeringSlots(replicaB, key)];
    let peak = 0;
    let inUse = 0;
    await Promise.all(
      holders.map(async (holder) => {
        for (let round = 0; round < 40; round++) {
          const held = await holder.tryAcquire(2);
          if (!held) {
            await new Promise((resolve) => setTimeout(resolve, 2));
            continue;
          }
          inUse++;
          peak = Math.max(peak, inUse, await redis.zcard(key));
          await new Promise((resolve) => setTimeout(resolve, 1));
          inUse--;
          holder.release(held);
        }
      }),
    );
    expect(peak).toBeLessThanOrEqual(2);
    for (const holder of holders) holder.close();
  });
});
