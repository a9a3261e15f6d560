import type { CheckpointStore } from '../../src/checkpoints/checkpoint-store.js';
import type { ShardCheckpoint } from '../../src/checkpoints/shard-checkpoint.js';
import type { Logger } from '../../src/observability/logger.js';
import type { MappingLabels, Metrics } from '../../src/observability/metrics.js';
import type { EventSourceMapping } from '../../src/mappings/event-source-mapping.js';
import type { IteratorPosition } from './shard-reader.js';

/**
 * Where a shard's reading starts (spec §1.2, §3.5): right after the checkpoint when there is one; else at the
 * pinned start of a LATEST mapping; else as the mapping's StartingPosition says — except that a child of a shard
 * this mapping processed starts at its beginning (TRIM_HORIZON), as nothing in it was seen yet.
 *
 * A stream without AT_TIMESTAMP iterators (DynamoDB Streams) pins a shard when it first takes its LATEST
 * iterator; a later start of that shard without checkpoint reads it from TRIM_HORIZON and skips what arrived
 * before the pin ({@link arrivalFloorMs}): a LATEST iterator taken again after a restart or a lease move would
 * skip what was written in between.
 */
export function startPosition(
  mapping: Pick<EventSourceMapping, 'StartingPosition' | 'StartingPositionTimestamp'>,
  checkpoint: ShardCheckpoint | undefined,
  parentProcessed: boolean,
  supportsAtTimestamp = true,
): IteratorPosition {
  if (checkpoint?.sequenceNumber !== undefined) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint.sequenceNumber };
  if (checkpoint?.pinnedStartMs !== undefined) {
    return supportsAtTimestamp ? { type: 'AT_TIMESTAMP', timestampMs: checkpoint.pinnedStartMs } : { type: 'TRIM_HORIZON' };
  }
  if (mapping.StartingPosition === 'AT_TIMESTAMP' && mapping.StartingPositionTimestamp !== undefined) {
    return { type: 'AT_TIMESTAMP', timestampMs: Math.round(mapping.StartingPositionTimestamp * 1000) };
  }
  if (parentProcessed || mapping.StartingPosition === 'TRIM_HORIZON') return { type: 'TRIM_HORIZON' };
  return { type: 'LATEST' };
}

/**
 * Resolution of arrival times on streams without AT_TIMESTAMP iterators: DynamoDB Streams'
 * ApproximateCreationDateTime is whole seconds, DynamoDB Local's whole minutes.
 */
const ARRIVAL_RESOLUTION_MS = 60_000;

/**
 * For a stream without AT_TIMESTAMP iterators, the earliest arrival to deliver of a pinned shard without
 * checkpoint: its pin, rounded down to {@link ARRIVAL_RESOLUTION_MS} so that a record written after the pin is
 * never skipped (a few written just before it may be delivered). Undefined when nothing is to be skipped.
 */
export function arrivalFloorMs(checkpoint: ShardCheckpoint | undefined, supportsAtTimestamp: boolean): number | undefined {
  if (supportsAtTimestamp || checkpoint?.sequenceNumber !== undefined || checkpoint?.pinnedStartMs === undefined) return undefined;
  return Math.floor(checkpoint.pinnedStartMs / ARRIVAL_RESOLUTION_MS) * ARRIVAL_RESOLUTION_MS;
}

/**
 * Whether a shard without checkpoint may start at LATEST (or be pinned there): not once Redis lost the mapping's
 * positions while it ran, since LATEST would then skip every record the lost checkpoints had not reached; such
 * shards replay from TRIM_HORIZON (at-least-once). The call that notices the loss logs it and counts it.
 */
export async function mayStartAtLatest(
  checkpoints: CheckpointStore,
  report: { readonly logger: Logger; readonly metrics: Metrics; readonly labels: MappingLabels },
): Promise<boolean> {
  const { allowed, lossNoticed } = await checkpoints.latestAllowed();
  if (lossNoticed) {
    report.metrics.positionsLost.inc(report.labels);
    report.logger.error({}, 'positions_lost: the mapping\'s checkpoints vanished from Redis while it ran; shards without checkpoint replay from TRIM_HORIZON');
  }
  return allowed;
}
