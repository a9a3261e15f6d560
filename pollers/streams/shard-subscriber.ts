import type { IteratorPosition, ShardReaderErrorKind } from './shard-reader.js';

/** One event pushed over a subscription (Kinesis SubscribeToShardEvent). */
export interface PushedEvent<R> {
  readonly records: readonly R[];
  /**
   * Where the subscription stands in the shard; null once the shard is closed and every record was pushed (the
   * event then names the child shards).
   */
  readonly continuationSequenceNumber: string | null;
  /** How far the pushed records are behind the tip of the shard, ms; 0 when caught up. */
  readonly millisBehindLatest: number;
  /** The shard's children, reported with its end. */
  readonly childShardIds: readonly string[];
}

/**
 * Push reading of a stream (Kinesis enhanced fan-out): one subscription per shard, which the service ends after a
 * while (Kinesis: 5 minutes). Aborting `signal` closes the subscription.
 */
export interface ShardSubscriber<R> {
  /** Opens a subscription at `position`; its events come in shard order until it ends. */
  subscribe(shardId: string, position: IteratorPosition, signal: AbortSignal): Promise<AsyncIterable<PushedEvent<R>>>;
  /** Sorts an error of `subscribe` or of the event stream (by error name, never by message text). */
  classifyError(err: unknown): ShardReaderErrorKind;
}
