import type { Redis } from '../redis/redis-connection.js';
import type { RedisKeys } from '../redis/keys.js';
import { evalScript, readLuaScript } from '../redis/lua-script.js';
import type { HeldLease } from '../leases/lease.js';
import { LeaseLostError } from '../leases/lease-error.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { ShardCheckpoint, WindowCheckpoint } from './shard-checkpoint.js';
import { CheckpointRegressionError } from './checkpoint-error.js';

const COMMIT = readLuaScript(import.meta.url, 'commit-checkpoint-2.lua');
const GUARD_LATEST = readLuaScript(import.meta.url, 'guard-latest-2.lua');

/** Codes of commit-checkpoint-2.lua: written, unchanged, lease lost, regression. */
const WRITTEN = 1;
const LEASE_LOST = -1;
const REGRESSION = -2;
/** ARGV[5] of commit-checkpoint-2.lua that removes the window. */
const WINDOW_REMOVED = '-';

/**
 * Checkpoints of one mapping in Redis: a hash per shard with `seq` (highest settled sequence number), `ended`
 * ('1' once the shard was processed to its end), `pinnedStartMs` and `window` (the open tumbling window, JSON). Writes go through one Lua script that
 * checks the lease and monotonicity together (src/checkpoints/scripts/commit-checkpoint-2.lua).
 */
export class RedisCheckpointStore implements CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly mappingUuid: string,
  ) {}

  async get(shardId: string): Promise<ShardCheckpoint | undefined> {
    return (await this.getMany([shardId])).get(shardId);
  }

  async getMany(shardIds: readonly string[]): Promise<ReadonlyMap<string, ShardCheckpoint>> {
    const result = new Map<string, ShardCheckpoint>();
    if (shardIds.length === 0) return result;
    const pipeline = this.redis.pipeline();
    for (const shardId of shardIds) pipeline.hgetall(this.keys.checkpoint(this.mappingUuid, shardId));
    const replies = (await pipeline.exec()) ?? [];
    shardIds.forEach((shardId, index) => {
      const [err, fields] = replies[index] ?? [new Error('missing reply'), null];
      if (err) throw err;
      const checkpoint = parseCheckpoint(fields as Record<string, string>);
      if (checkpoint) result.set(shardId, checkpoint);
    });
    return result;
  }

  async commit(lease: HeldLease, sequenceNumber: string | undefined, window?: WindowCheckpoint | null): Promise<boolean> {
    return this.write(lease, sequenceNumber ?? '', false, window);
  }

  async markShardEnded(lease: HeldLease, lastSequenceNumber?: string): Promise<void> {
    await this.write(lease, lastSequenceNumber ?? '', true, null);
  }

  async pinStart(shardId: string, startMs: number): Promise<number | undefined> {
    const key = this.keys.checkpoint(this.mappingUuid, shardId);
    const replies = await this.redis.multi().hsetnx(key, 'pinnedStartMs', String(startMs)).hget(key, 'pinnedStartMs').exec();
    const [err, value] = replies?.[1] ?? [new Error('missing reply'), null];
    if (err) throw err;
    return value === null || value === undefined ? undefined : Number(value);
  }

  async forget(shardIds: readonly string[]): Promise<void> {
    if (shardIds.length === 0) return;
    await this.redis.del(...shardIds.map((shardId) => this.keys.checkpoint(this.mappingUuid, shardId)));
  }

  async markStarted(): Promise<void> {
    await this.redis.set(this.keys.mappingStarted(this.mappingUuid), String(Date.now()), 'NX');
  }

  async markPositionsLost(): Promise<boolean> {
    return (await this.redis.set(this.keys.positionsLost(this.mappingUuid), String(Date.now()), 'NX')) === 'OK';
  }

  async latestAllowed(): Promise<{ allowed: boolean; lossNoticed: boolean }> {
    const keys = [this.keys.mappingStarted(this.mappingUuid), this.keys.positionsLost(this.mappingUuid)];
    const code = Number(await evalScript(this.redis, GUARD_LATEST, keys, [Date.now()]));
    return { allowed: code === 1, lossNoticed: code === -1 };
  }

  private async write(lease: HeldLease, sequenceNumber: string, shardEnded: boolean, window: WindowCheckpoint | null | undefined): Promise<boolean> {
    const args: (string | number)[] = [lease.owner, lease.counter, sequenceNumber, shardEnded ? '1' : '0'];
    if (window !== undefined) args.push(window === null ? WINDOW_REMOVED : JSON.stringify(window));
    const reply = (await evalScript(
      this.redis,
      COMMIT,
      [this.keys.lease(this.mappingUuid, lease.shardId), this.keys.checkpoint(this.mappingUuid, lease.shardId)],
      args,
    )) as [number, string];
    const code = Number(reply[0]);
    if (code === LEASE_LOST) throw new LeaseLostError(lease.shardId, lease.owner, lease.counter);
    if (code === REGRESSION) throw new CheckpointRegressionError(lease.shardId, sequenceNumber, reply[1]);
    return code === WRITTEN;
  }
}

function parseCheckpoint(hash: Record<string, string>): ShardCheckpoint | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  return {
    ...(hash.seq ? { sequenceNumber: hash.seq } : {}),
    shardEnded: hash.ended === '1',
    ...(hash.pinnedStartMs ? { pinnedStartMs: Number(hash.pinnedStartMs) } : {}),
    ...(hash.window ? { window: JSON.parse(hash.window) as WindowCheckpoint } : {}),
  };
}
