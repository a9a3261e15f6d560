import type { Logger } from '../observability/logger.js';
import type { Redis } from './redis-connection.js';

/** What the service learned of how Redis keeps its data; `undefined` where CONFIG could not be read. */
export interface RedisDurability {
  readonly appendOnly: boolean | undefined;
  readonly evictionPolicy: string | undefined;
}

/** Redis evicts keys under memory pressure: checkpoints, leases and queued failure records would vanish silently. */
export class RedisEvictionError extends Error {
  override readonly name = 'RedisEvictionError';
  constructor(readonly policy: string) {
    super(
      `Redis maxmemory-policy is ${policy}: Redis may evict checkpoints, leases, mappings and queued failure records ` +
        'under memory pressure, and records would be skipped or lost. Run Redis with maxmemory-policy noeviction.',
    );
  }
}

/**
 * Reads `appendonly` and `maxmemory-policy` at start. Eviction other than `noeviction` is refused (throws
 * RedisEvictionError); persistence off is a loud warning, since a restart of Redis then loses every checkpoint.
 * Where CONFIG is disabled or not permitted (managed Redis such as ElastiCache), says so and goes on.
 */
export async function checkRedisDurability(redis: Redis, logger: Logger): Promise<RedisDurability> {
  let appendOnly: string | undefined;
  let evictionPolicy: string | undefined;
  try {
    appendOnly = configValue(await redis.config('GET', 'appendonly'));
    evictionPolicy = configValue(await redis.config('GET', 'maxmemory-policy'));
  } catch (err) {
    logger.warn({ err }, 'redis_config_unchecked: CONFIG GET is not allowed on this Redis; persistence and eviction policy cannot be checked');
    return { appendOnly: undefined, evictionPolicy: undefined };
  }
  if (evictionPolicy !== undefined && evictionPolicy !== 'noeviction') throw new RedisEvictionError(evictionPolicy);
  if (appendOnly === 'no') {
    logger.warn(
      { appendonly: appendOnly },
      'redis_persistence_off: Redis runs with appendonly no; a Redis restart loses checkpoints, leases, mappings and queued ' +
        'failure records. Run Redis with appendonly yes.',
    );
  }
  return { appendOnly: appendOnly === undefined ? undefined : appendOnly === 'yes', evictionPolicy };
}

/** CONFIG GET answers [name, value] (or [] for a parameter this Redis does not know). */
function configValue(reply: unknown): string | undefined {
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
}
