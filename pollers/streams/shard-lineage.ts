import type { ShardCheckpoint } from '../../src/checkpoints/shard-checkpoint.js';
import type { ShardInfo } from './shard-reader.js';

/**
 * Shard lineage (resharding): a child shard starts only after its parents were processed to their end, so
 * records of one partition key are delivered in order across a split or merge (KCL's rule; Lambda's docs are
 * silent, spec §3.5). A parent that is no longer listed (trimmed away by retention) does not block.
 */

/** Shards that may be processed now: not ended, and every listed parent ended. */
export function eligibleShards(shards: readonly ShardInfo[], checkpoints: ReadonlyMap<string, ShardCheckpoint>): ShardInfo[] {
  const listed = new Set(shards.map((shard) => shard.shardId));
  return shards.filter(
    (shard) =>
      !checkpoints.get(shard.shardId)?.shardEnded &&
      shard.parentShardIds.every((parent) => !listed.has(parent) || checkpoints.get(parent)?.shardEnded === true),
  );
}

/** True when this mapping processed (or started) a parent of `shard`: the child then starts at its beginning. */
export function hasProcessedParent(shard: ShardInfo, checkpoints: ReadonlyMap<string, ShardCheckpoint>): boolean {
  return shard.parentShardIds.some((parent) => checkpoints.has(parent));
}

/**
 * Starting points to pin for shards of a `LATEST` mapping that have no checkpoint yet (see
 * `ShardCheckpoint.pinnedStartMs`): a shard without a known parent is pinned at `nowMs`; a child inherits the
 * earliest pin of its parents, so records written to it after the mapping started are never skipped, while
 * records older than the mapping's start are not delivered. Parents are resolved before their children.
 * @returns shard id → epoch ms, only for shards to pin now
 */
export function startPins(
  shards: readonly ShardInfo[],
  checkpoints: ReadonlyMap<string, ShardCheckpoint>,
  nowMs: number,
): Map<string, number> {
  const byId = new Map(shards.map((shard) => [shard.shardId, shard]));
  const resolved = new Map<string, number | undefined>();
  const pins = new Map<string, number>();

  const pinOf = (shardId: string, visiting: Set<string>): number | undefined => {
    const stored = checkpoints.get(shardId);
    if (stored) return stored.pinnedStartMs;
    if (resolved.has(shardId)) return resolved.get(shardId);
    const shard = byId.get(shardId);
    if (!shard || visiting.has(shardId)) return undefined;
    visiting.add(shardId);
    const knownParents = shard.parentShardIds.filter((parent) => checkpoints.has(parent) || byId.has(parent));
    let pin: number | undefined;
    if (knownParents.length === 0) pin = nowMs;
    else {
      const parentPins = knownParents.map((parent) => pinOf(parent, visiting)).filter((value): value is number => value !== undefined);
      pin = parentPins.length > 0 ? Math.min(...parentPins) : undefined;
    }
    visiting.delete(shardId);
    resolved.set(shardId, pin);
    if (pin !== undefined) pins.set(shardId, pin);
    return pin;
  };

  for (const shard of shards) pinOf(shard.shardId, new Set());
  return pins;
}
