import type { HeldLease } from '../leases/lease.js';
import type { ShardCheckpoint, WindowCheckpoint } from './shard-checkpoint.js';

/**
 * Durable per-shard checkpoints of one mapping.
 *
 * Writes are fenced by the shard's lease: a write carries the lease (owner and counter) it was made under and
 * is refused with `LeaseLostError` when the lease has since been taken by anyone, so a process that lost its
 * lease can never move a checkpoint. Sequence numbers only move forward (compared as big integers).
 */
export interface CheckpointStore {
  /** Checkpoints of the given shards; shards never checkpointed are absent from the map. */
  getMany(shardIds: readonly string[]): Promise<ReadonlyMap<string, ShardCheckpoint>>;
  /** Checkpoint of one shard, undefined when none is stored. */
  get(shardId: string): Promise<ShardCheckpoint | undefined>;
  /**
   * Moves the checkpoint to `sequenceNumber` (no-op when it is not ahead of the stored one) and, in the same step,
   * stores the shard's open tumbling window (`null` removes it; undefined leaves it as it is).
   * @param sequenceNumber undefined to write the window alone
   * @returns true when the stored value changed
   * @throws LeaseLostError when `lease` is no longer the current lease of the shard
   * @throws CheckpointRegressionError when `sequenceNumber` is below the stored checkpoint
   */
  commit(lease: HeldLease, sequenceNumber: string | undefined, window?: WindowCheckpoint | null): Promise<boolean>;
  /**
   * Records that the shard was processed to its end (optionally with its last sequence number) so that its
   * children may start; its tumbling window, if any, is removed (a shard end closes it).
   * @throws LeaseLostError, CheckpointRegressionError as {@link commit}
   */
  markShardEnded(lease: HeldLease, lastSequenceNumber?: string): Promise<void>;
  /**
   * Pins the starting point of a shard that has no checkpoint yet (first writer wins; needs no lease because it
   * only ever creates the entry).
   * @returns the pinned time now stored (the earlier pin if one existed)
   */
  pinStart(shardId: string, startMs: number): Promise<number | undefined>;
  /** Deletes the checkpoints of shards that no longer exist (trimmed away after the stream's retention). */
  forget(shardIds: readonly string[]): Promise<void>;
  /** Marks the mapping as started (its pollers run): the mark vanishing later means Redis lost its positions. */
  markStarted(): Promise<void>;
  /**
   * Marks the mapping's positions as lost: shards without checkpoint replay from TRIM_HORIZON from now on.
   * @returns false when they were marked lost already
   */
  markPositionsLost(): Promise<boolean>;
  /**
   * Whether a shard without checkpoint may start at LATEST (or a LATEST pin be taken): not once the mapping's
   * positions were lost. `lossNoticed` is true for the one call that found the loss.
   */
  latestAllowed(): Promise<{ allowed: boolean; lossNoticed: boolean }>;
}
