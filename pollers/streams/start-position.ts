import type { ShardCheckpoint } from '../../src/checkpoints/shard-checkpoint.js';
import type { EventSourceMapping } from '../../src/mappings/event-source-mapping.js';
import type { IteratorPosition } from './shard-reader.js';

/**
 * Where a shard's reading starts (spec §1.2, §3.5): right after the checkpoint when there is one; else at the
 * pinned start of a LATEST mapping; else as the mapping's StartingPosition says — except that a child of a shard
 * this mapping processed starts at its beginning (TRIM_HORIZON), as nothing in it was seen yet.
 */
export function startPosition(
  mapping: Pick<EventSourceMapping, 'StartingPosition' | 'StartingPositionTimestamp'>,
  checkpoint: ShardCheckpoint | undefined,
  parentProcessed: boolean,
): IteratorPosition {
  if (checkpoint?.sequenceNumber !== undefined) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint.sequenceNumber };
  if (checkpoint?.pinnedStartMs !== undefined) return { type: 'AT_TIMESTAMP', timestampMs: checkpoint.pinnedStartMs };
  if (mapping.StartingPosition === 'AT_TIMESTAMP' && mapping.StartingPositionTimestamp !== undefined) {
    return { type: 'AT_TIMESTAMP', timestampMs: Math.round(mapping.StartingPositionTimestamp * 1000) };
  }
  if (parentProcessed || mapping.StartingPosition === 'TRIM_HORIZON') return { type: 'TRIM_HORIZON' };
  return { type: 'LATEST' };
}
