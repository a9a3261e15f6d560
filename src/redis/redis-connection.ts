import { Cluster, Redis as StandaloneRedis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { settlesWithin } from '../runtime/lifecycle.js';
import { sleep } from '../runtime/backoff.js';

/** A connection to one Redis server (found directly or through Sentinel) or to a Redis Cluster. */
export type Redis = StandaloneRedis | Cluster;

/** A `host:port` pair of a Sentinel or a Cluster node. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * Where Redis is. `url` alone: one server. With `sentinel`: the primary that the Sentinels name, found again after
 * a failover. With `cluster`: a Redis Cluster, found through any of its nodes. In the last two cases the URL
 * still gives the user name, password, database number and TLS (`rediss:`) of the data nodes.
 */
export interface RedisSettings {
  readonly url: string;
  /**
   * A command not answered within this long fails (callers retry or give up what depends on it, e.g. a lease),
   * instead of waiting for Redis without end. Not applied to the queues' connections, whose commands block.
   */
  readonly commandTimeoutMs?: number;
  readonly sentinel?: { readonly name: string; readonly nodes: readonly RedisNode[]; readonly password?: string };
  readonly cluster?: { readonly nodes: readonly RedisNode[] };
}

/** Waits between reconnection attempts: ioredis's retry strategy (attempt → ms). */
const reconnectDelayMs = (times: number) => Math.min(times * 200, 2_000);

/**
 * Options every connection shares: commands wait while Redis is unreachable (and callers' work pauses) and the
 * connection comes back by itself. `maxRetriesPerRequest: null` is also what BullMQ requires of its connections.
 */
function commonOptions(settings: RedisSettings, name: string): RedisOptions {
  const url = new URL(settings.url);
  const tls = url.protocol === 'rediss:' ? { tls: {} } : {};
  const db = url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {};
  return {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: `esm-poller:${name}`,
    retryStrategy: reconnectDelayMs,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...tls,
    ...db,
  };
}

/**
 * Options for a connection that is not a Cluster (BullMQ builds its own connections from these). Undefined for a
 * Cluster, which needs a client: see {@link createRedis}.
 */
export function redisOptions(settings: RedisSettings, name: string): RedisOptions | undefined {
  if (settings.cluster) return undefined;
  if (settings.sentinel) {
    const { name: primaryName, nodes, password } = settings.sentinel;
    return {
      ...commonOptions(settings, name),
      sentinels: nodes.map(({ host, port }) => ({ host, port })),
      name: primaryName,
      ...(password !== undefined ? { sentinelPassword: password } : {}),
      sentinelRetryStrategy: reconnectDelayMs,
    };
  }
  const url = new URL(settings.url);
  return { ...commonOptions(settings, name), host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) };
}

/** Opens a connection that never gives up (see {@link commonOptions}); errors are logged once per distinct message. */
export function createRedis(settings: RedisSettings | string, logger: Logger, name = 'main'): Redis {
  const resolved = typeof settings === 'string' ? { url: settings } : settings;
  const base = redisOptions(resolved, name);
  const timeout = resolved.commandTimeoutMs !== undefined ? { commandTimeout: resolved.commandTimeoutMs } : {};
  const options = base && { ...base, ...timeout };
  const redis: Redis = options ? new StandaloneRedis(options) : new Cluster([...resolved.cluster!.nodes], clusterOptions(resolved, name));
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

function clusterOptions(settings: RedisSettings, name: string): ClusterOptions {
  const { db: _db, ...redisOptions } = commonOptions(settings, name);
  const timeout = settings.commandTimeoutMs !== undefined ? { commandTimeout: settings.commandTimeoutMs } : {};
  return { redisOptions: { ...redisOptions, ...timeout }, clusterRetryStrategy: reconnectDelayMs, enableReadyCheck: true };
}

/** Pause between two PINGs of {@link waitForRedis}. */
const WAIT_FOR_REDIS_INTERVAL_MS = 1_000;

/**
 * Resolves once Redis answers PING; while it does not, logs `redis_waiting` once and asks again every second.
 * Returns false when `signal` aborts first (the service is stopping).
 */
export async function waitForRedis(redis: Redis, logger: Logger, signal: AbortSignal): Promise<boolean> {
  let told = false;
  while (!signal.aborted) {
    try {
      if ((await redis.ping()) === 'PONG') {
        if (told) logger.info({}, 'redis_answering');
        return true;
      }
    } catch (err) {
      if (!told) logger.warn({ err }, 'redis_waiting: Redis does not answer yet; the service starts once it does');
      told = true;
    }
    await sleep(WAIT_FOR_REDIS_INTERVAL_MS, signal);
  }
  return false;
}

/** Closes a connection: QUIT when Redis answers (bounded by `timeoutMs`), then drops the socket either way. */
export async function closeRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') await settlesWithin(redis.quit(), timeoutMs);
  redis.disconnect();
}

/** The connections that hold data: every primary of a Cluster, else the one connection. */
export function primariesOf(redis: Redis): StandaloneRedis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}
