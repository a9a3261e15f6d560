import type { Logger } from '../../src/observability/logger.js';
import type { MappingLabels, Metrics } from '../../src/observability/metrics.js';
import type { StreamEventBuilder, StreamRecord } from './stream-event-builder.js';

/**
 * The record as an event; one that cannot be built (e.g. a value the converter does not know) comes out
 * marked with its error, to be given up on its own instead of failing every read of the shard.
 */
export function buildStreamRecord<R>(
  record: R,
  shardId: string,
  context: { readonly events: StreamEventBuilder<R>; readonly metrics: Metrics; readonly labels: MappingLabels; readonly logger: Logger },
): StreamRecord {
  const { events } = context;
  try {
    return events.build(record, shardId);
  } catch (buildError) {
    const identity = events.identify(record);
    context.metrics.eventBuildFailures.inc(context.labels);
    context.logger.error({ shardId, err: buildError, sequenceNumber: identity.sequenceNumber }, 'event_build_failed');
    return { event: {}, json: '{}', ...identity, buildError };
  }
}
