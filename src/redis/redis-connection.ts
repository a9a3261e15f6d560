import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { settlesWithin } from '../runtime/lifecycle.js';

export type { Redis };

/**
 * Opens a Redis connection that never gives up: while Redis is unreachable, commands wait (and callers'
 * work pauses) and the connection comes back by itself. `maxRetriesPerRequest: null` is also what BullMQ
 * requires of its connections.
 */
export function createRedis(url: string, logger: Logger, name = 'main'): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: `esm-poller:${name}`,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // Logged once per distinct error so an outage does not flood the log; ioredis reconnects on its own.
    if (err.message !== lastError) logger.warn({ err, connection: name }, 'redis_error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError !== '') logger.info({ connection: name }, 'redis_reconnected');
    lastError = '';
  });
  return redis;
}

/** Closes a connection: QUIT when Redis answers (bounded by `timeoutMs`), then drops the socket either way. */
export async function closeRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') await settlesWithin(redis.quit(), timeoutMs);
  redis.disconnect();
}
