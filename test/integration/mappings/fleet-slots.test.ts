import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetSlots, SLOT_TTL_MS } from '../../../src/concurrency/fleet-slots.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

describe('FleetSlots.holds', () => {
  let server: LocalServer;
  let redis: Redis;
  let slots: FleetSlots;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedis({ url: server.url, commandTimeoutMs: 300 }, createLogger('silent'));
    slots = new FleetSlots(redis, 'worker-a', createLogger('silent'));
  });

  afterAll(async () => {
    try {
      process.kill(server.process.pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
    await slots.close();
    redis.disconnect();
    await server.stop();
  });

  it('stops counting a slot as held once Redis says it expired (another holder may have it)', async () => {
    const key = uniqueName('t-slots');
    const slot = (await slots.tryAcquire(key, 2))!;
    expect(slots.holds(slot)).toBe(true);
    // As if it had expired and been taken: the next renewal finds it gone.
    await redis.zrem(key, slot.token);
    await waitFor(() => !slots.holds(slot), { message: 'a slot gone from Redis still counts as held', timeoutMs: 10_000 });
    await slots.release(slot);
  });

  it('stops counting a slot as held when its renewals fail for as long as it lives', async () => {
    const key = uniqueName('t-slots');
    const slot = (await slots.tryAcquire(key, 2))!;
    const frozenAt = performance.now();
    process.kill(server.process.pid, 'SIGSTOP');
    try {
      await waitFor(() => !slots.holds(slot), { message: 'a slot whose renewals fail still counts as held', timeoutMs: SLOT_TTL_MS + 10_000 });
      // Not before it could have expired in Redis.
      expect(performance.now() - frozenAt).toBeGreaterThanOrEqual(SLOT_TTL_MS - 3_500);
    } finally {
      process.kill(server.process.pid, 'SIGCONT');
    }
  });
});
