import type { Redis } from '../redis/redis-connection.js';
import type { RedisKeys } from '../redis/keys.js';
import type { EventInvokeConfig } from './event-invoke-config.js';

/** A function's event invoke config as stored, with when it was last set. */
export interface StoredEventInvokeConfig extends EventInvokeConfig {
  /** Epoch seconds (fractional), as the API's `LastModified`. */
  readonly LastModified: number;
}

/**
 * Where the event invoke configs live, shared by every replica: one Redis hash, function name → JSON. Reads go
 * to Redis each time, so a change made through the API on any replica applies to the next event everywhere.
 */
export interface EventInvokeConfigStore {
  get(functionName: string): Promise<StoredEventInvokeConfig | undefined>;
  put(functionName: string, config: EventInvokeConfig, now?: Date): Promise<StoredEventInvokeConfig>;
  /** Resolves true when a config was deleted, false when there was none. */
  delete(functionName: string): Promise<boolean>;
}

export class RedisEventInvokeConfigStore implements EventInvokeConfigStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(functionName: string): Promise<StoredEventInvokeConfig | undefined> {
    const text = await this.redis.hget(this.keys.eventInvokeConfigs, functionName);
    return text === null ? undefined : (JSON.parse(text) as StoredEventInvokeConfig);
  }

  async put(functionName: string, config: EventInvokeConfig, now = new Date()): Promise<StoredEventInvokeConfig> {
    const stored: StoredEventInvokeConfig = { ...config, LastModified: now.getTime() / 1000 };
    await this.redis.hset(this.keys.eventInvokeConfigs, functionName, JSON.stringify(stored));
    return stored;
  }

  async delete(functionName: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.eventInvokeConfigs, functionName)) > 0;
  }
}
