import type { ShardReader } from './shard-reader.js';
import type { StreamEventBuilder } from './stream-event-builder.js';

/** Everything source-specific the shard engine is given: how to read the stream and how to shape events. */
export interface StreamSource<R> {
  readonly reader: ShardReader<R>;
  readonly events: StreamEventBuilder<R>;
  /** The stream ARN: the `streamArn` of on-failure records and the `eventSourceARN` of events. */
  readonly streamArn: string;
}
