import type { ShardReader } from './shard-reader.js';
import type { ShardSubscriber } from './shard-subscriber.js';
import type { StreamEventBuilder } from './stream-event-builder.js';

/** Everything source-specific the shard engine is given: how to read the stream and how to shape events. */
export interface StreamSource<R> {
  /** Lists shards; reads them too unless {@link subscriber} is given. */
  readonly reader: ShardReader<R>;
  /** Reads shards by subscription (Kinesis enhanced fan-out) instead of polling with {@link reader}. */
  readonly subscriber?: ShardSubscriber<R>;
  /**
   * Checked before the poller starts, after the stream itself (e.g. the enhanced fan-out consumer is ACTIVE); rejects
   * with an error whose message becomes the mapping's `LastProcessingResult`.
   */
  readonly verify?: (signal: AbortSignal) => Promise<void>;
  readonly events: StreamEventBuilder<R>;
  /** The stream ARN: the `streamArn` of on-failure records and the `eventSourceARN` of events. */
  readonly streamArn: string;
}
