/**
 * What the shard engine needs from a stream service (Kinesis, DynamoDB Streams): the reader of one stream.
 * Everything else — leases, checkpoints, batching, retries, bisect, destinations — is source-agnostic.
 *
 * Every call takes an AbortSignal and passes it to the SDK, so stopping never waits for a parked request.
 */

/** One shard as listed: its lineage and whether it is closed (it will get no new records). */
export interface ShardInfo {
  readonly shardId: string;
  /** Parent shard ids: none for an original shard, one after a split, two after a merge. */
  readonly parentShardIds: readonly string[];
  /** True once the shard has an ending sequence number. */
  readonly closed: boolean;
}

/** Where an iterator starts. */
export type IteratorPosition =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestampMs: number }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

export interface ShardReadResult<R> {
  readonly records: readonly R[];
  /** Iterator for the next read; null when the shard is closed and every record has been returned. */
  readonly nextIterator: string | null;
  /** How far the read is behind the tip of the shard, ms (when the service says). */
  readonly millisBehindLatest?: number;
}

/** What a failed call means to the engine. */
export type ShardReaderErrorKind =
  /** The iterator is too old: get a new one from the last position. */
  | 'expired_iterator'
  /** The position is beyond the stream's retention (DynamoDB Streams): read on from the oldest record left. */
  | 'trimmed'
  /** Read or request rate exceeded: back off and retry. */
  | 'throughput_exceeded'
  /** The stream or shard does not exist (any more). */
  | 'not_found'
  /** The endpoint did not answer (connection refused, reset, timed out): retry soon, it may be back any moment. */
  | 'unreachable'
  /** Anything else (network, service errors): back off and retry. */
  | 'other';

export interface ShardReader<R> {
  /** Every shard of the stream, open and closed (all pages). */
  listShards(signal: AbortSignal): Promise<ShardInfo[]>;
  getIterator(shardId: string, position: IteratorPosition, signal: AbortSignal): Promise<string>;
  /** Up to `limit` records from `iterator`. */
  getRecords(iterator: string, limit: number, signal: AbortSignal): Promise<ShardReadResult<R>>;
  /** Sorts an error thrown by the calls above (by error name, never by message text). */
  classifyError(err: unknown): ShardReaderErrorKind;
  /** Whether `AT_TIMESTAMP` iterators exist (Kinesis yes, DynamoDB Streams no). */
  readonly supportsAtTimestamp: boolean;
  /** Most records one read may return. */
  readonly maxRecordsPerRead: number;
}
