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
  /** The shard's open tumbling window (TumblingWindowInSeconds), written with the checkpoint it belongs to. */
  readonly window?: WindowCheckpoint;
}

/**
 * The open tumbling window of a shard: its bounds and the state the function returned last. Stored beside the
 * checkpoint and written by the same fenced step, so a restart or a lease move resumes the window with its state.
 */
export interface WindowCheckpoint {
  /** Window start, epoch ms. */
  readonly startMs: number;
  /** Window end (exclusive), epoch ms. */
  readonly endMs: number;
  /** The state to hand to the next invocation of this window, as JSON text (`{}` at its start). */
  readonly state: string;
  /** The state outgrew its limit: the window's final invoke comes next, then the window goes on with `{}`. */
  readonly terminatedEarly: boolean;
}
