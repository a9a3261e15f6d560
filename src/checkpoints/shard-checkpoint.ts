/**
 * What is stored per (mapping, shard): how far the shard is processed.
 */
export interface ShardCheckpoint {
  /** Highest settled sequence number; undefined before the first record was settled. */
  readonly sequenceNumber?: string;
  /** The shard is closed and was processed to its end: its children may start. Never unset once set. */
  readonly shardEnded: boolean;
  /**
   * Epoch ms a `LATEST` mapping pinned as this shard's starting point before anything was read, so that a
   * restart resumes from there (AT_TIMESTAMP) instead of from a later LATEST and loses nothing in between.
   */
  readonly pinnedStartMs?: number;
}
