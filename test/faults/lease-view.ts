import { Redis } from 'ioredis';
import { RedisKeys } from '../../src/redis/keys.js';

/** The live lease of one shard as Redis holds it. */
export interface ShardOwner {
  readonly shardId: string;
  /** Pid of the owning process (lease owners are `host:pid:random`); undefined when free or expired. */
  readonly pid: number | undefined;
}

/** Reads a mapping's shard leases straight from Redis, as an outside observer of the fleet. */
export class LeaseView {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly mappingUuid: string,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  /** Every shard with a lease key, and the pid of its owner while the lease is unexpired. */
  async owners(): Promise<ShardOwner[]> {
    const shardIds = (await this.redis.smembers(this.keys.leaseIndex(this.mappingUuid))).sort();
    const [seconds, micros] = (await this.redis.time()) as [string | number, string | number];
    const nowMs = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
    const pipeline = this.redis.pipeline();
    for (const shardId of shardIds) pipeline.hgetall(this.keys.lease(this.mappingUuid, shardId));
    const replies = (await pipeline.exec()) ?? [];
    return shardIds.map((shardId, i) => {
      const hash = (replies[i]?.[1] ?? {}) as Record<string, string>;
      const live = hash.owner && Number(hash.expiresAt ?? 0) > nowMs;
      return { shardId, pid: live ? Number(hash.owner!.split(':').at(-2)) : undefined };
    });
  }

  /** Shards held per pid. */
  async countsByPid(): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const { pid } of await this.owners()) if (pid !== undefined) counts.set(pid, (counts.get(pid) ?? 0) + 1);
    return counts;
  }
}

/** The UUID of the only mapping the service at `url` lists. */
export async function onlyMappingUuid(url: string): Promise<string> {
  const body = (await (await fetch(`${url}/2015-03-31/event-source-mappings/`)).json()) as { EventSourceMappings: { UUID: string }[] };
  if (body.EventSourceMappings.length !== 1) throw new Error(`expected one mapping, found ${body.EventSourceMappings.length}`);
  return body.EventSourceMappings[0]!.UUID;
}
