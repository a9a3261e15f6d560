import type { Redis } from '../redis/redis-connection.js';
import type { RedisKeys } from '../redis/keys.js';
import { evalScript, readLuaScript } from '../redis/lua-script.js';
import type { HeldLease, Lease } from './lease.js';
import type { LeaseStore, RenewResult } from './lease-store.js';

const TAKE = readLuaScript(import.meta.url, 'take-lease-2.lua');
const RENEW = readLuaScript(import.meta.url, 'renew-lease-1.lua');
const CLAIM = readLuaScript(import.meta.url, 'claim-lease-1.lua');
const RELEASE = readLuaScript(import.meta.url, 'release-lease-2.lua');
const HEARTBEAT = readLuaScript(import.meta.url, 'heartbeat-worker-1.lua');
const WITHDRAW_CLAIM = readLuaScript(import.meta.url, 'withdraw-claim-1.lua');

/** Return codes of renew-lease-1.lua. */
const RENEW_RESULTS: Readonly<Record<number, RenewResult>> = { 1: 'renewed', 2: 'handoff_requested', [-1]: 'lost' };

/**
 * Leases of one mapping in Redis: a hash per shard (owner, counter, expiresAt, claimant, claimExpiresAt), an
 * index set of shard ids and a sorted set of live workers. Every read-check-write is one Lua script
 * (src/leases/scripts) judging expiry on the Redis server clock.
 */
export class RedisLeaseStore implements LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly mappingUuid: string,
  ) {}

  async list(): Promise<{ nowMs: number; leases: Lease[] }> {
    const [timeReply, membersReply] = (await this.redis
      .multi()
      .time()
      .smembers(this.keys.leaseIndex(this.mappingUuid))
      .exec()) as [[Error | null, [string, string]], [Error | null, string[]]];
    if (timeReply[0]) throw timeReply[0];
    if (membersReply[0]) throw membersReply[0];
    const [seconds, micros] = timeReply[1];
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const shardIds = membersReply[1];
    if (shardIds.length === 0) return { nowMs, leases: [] };
    const pipeline = this.redis.pipeline();
    for (const shardId of shardIds) pipeline.hgetall(this.keys.lease(this.mappingUuid, shardId));
    const replies = (await pipeline.exec()) ?? [];
    const leases: Lease[] = [];
    shardIds.forEach((shardId, index) => {
      const [err, fields] = replies[index] ?? [new Error('missing reply'), null];
      if (err) throw err;
      const hash = fields as Record<string, string>;
      if (hash.counter === undefined) return; // deleted between the two reads
      leases.push({
        shardId,
        owner: hash.owner ?? '',
        counter: Number(hash.counter),
        expiresAtMs: Number(hash.expiresAt ?? 0),
        ...(hash.claimant && Number(hash.claimExpiresAt ?? 0) > nowMs ? { claimant: hash.claimant } : {}),
      });
    });
    return { nowMs, leases };
  }

  async take(shardId: string, owner: string, durationMs: number): Promise<HeldLease | undefined> {
    const reply = await evalScript(
      this.redis,
      TAKE,
      [this.keys.lease(this.mappingUuid, shardId), this.keys.leaseIndex(this.mappingUuid)],
      [shardId, owner, durationMs],
    );
    if (!Array.isArray(reply)) return undefined;
    return { shardId, owner, counter: Number(reply[0]) };
  }

  async renew(lease: HeldLease, durationMs: number): Promise<RenewResult> {
    const reply = await evalScript(this.redis, RENEW, [this.keys.lease(this.mappingUuid, lease.shardId)], [
      lease.owner,
      lease.counter,
      durationMs,
    ]);
    const result = RENEW_RESULTS[Number(reply)];
    if (!result) throw new Error(`renew-lease returned ${String(reply)}`);
    return result;
  }

  async claim(lease: HeldLease, claimant: string, durationMs: number): Promise<boolean> {
    const reply = await evalScript(this.redis, CLAIM, [this.keys.lease(this.mappingUuid, lease.shardId)], [
      lease.owner,
      lease.counter,
      claimant,
      durationMs,
    ]);
    return Number(reply) === 1;
  }

  async withdrawClaim(shardId: string, claimant: string): Promise<void> {
    await evalScript(this.redis, WITHDRAW_CLAIM, [this.keys.lease(this.mappingUuid, shardId)], [claimant]);
  }

  async shardIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.leaseIndex(this.mappingUuid));
  }

  async forget(shardIds: readonly string[]): Promise<void> {
    if (shardIds.length === 0) return;
    const transaction = this.redis.multi();
    for (const shardId of shardIds) transaction.del(this.keys.lease(this.mappingUuid, shardId));
    transaction.srem(this.keys.leaseIndex(this.mappingUuid), ...shardIds);
    await transaction.exec();
  }

  async release(lease: HeldLease, options: { forget?: boolean } = {}): Promise<boolean> {
    const reply = await evalScript(
      this.redis,
      RELEASE,
      [this.keys.lease(this.mappingUuid, lease.shardId), this.keys.leaseIndex(this.mappingUuid)],
      [lease.owner, lease.counter, lease.shardId, options.forget ? '1' : '0'],
    );
    return Number(reply) === 1;
  }

  async heartbeat(workerId: string, ttlMs: number): Promise<number> {
    return Number(await evalScript(this.redis, HEARTBEAT, [this.keys.workers(this.mappingUuid)], [workerId, ttlMs]));
  }

  async leave(workerId: string): Promise<void> {
    await this.redis.zrem(this.keys.workers(this.mappingUuid), workerId);
  }
}
