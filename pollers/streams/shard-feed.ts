import type { StreamRecord } from './stream-event-builder.js';

/** One successful read. */
export interface FetchResult {
  readonly records: readonly StreamRecord[];
  /** Nothing more to read right now: the read returned nothing or reached the tip of the shard. */
  readonly caughtUp: boolean;
  /** The shard is closed and everything in it has been read. */
  readonly ended: boolean;
  /** Wall-clock time the records were asked for, epoch ms: a caught-up read saw everything written before it. */
  readonly requestedAtMs: number;
}

export interface FetchOptions {
  /**
   * The consumer reads ahead of its running batch (the shard is behind): a polled feed whose read brings a full
   * page starts the next read as soon as that page arrives, before building its events, so that reads follow one
   * another as closely as a bare GetRecords loop's. The next fetch takes that page.
   */
  readonly readAhead?: boolean;
}

/**
 * What hands a shard's records to its consumer, in shard order: GetRecords pull ({@link ShardFetcher}) or
 * SubscribeToShard push ({@link ShardPushFeed}). The consumer asks for the next records only when a lane wants
 * them, so a feed holds at most one read, and one page read ahead (a pushed stream is not read from meanwhile
 * and pauses).
 */
export interface ShardFeed {
  /** The next records; undefined when `signal` aborted first. Errors are retried inside and never thrown. */
  fetch(signal: AbortSignal, options?: FetchOptions): Promise<FetchResult | undefined>;
  /** The shard is closed and fully read. */
  readonly ended: boolean;
  /** A fetch waits for records to arrive (push): the consumer asks again at once instead of pausing when caught up. */
  readonly pushes: boolean;
  /** Releases what the feed holds open (a subscription). Idempotent. */
  close(): void;
}
