import { describe, expect, it } from 'vitest';
import { eligibleShards, hasProcessedParent, startPins } from '../../../../pollers/streams/shard-lineage.js';
import type { ShardInfo } from '../../../../pollers/streams/shard-reader.js';
import type { ShardCheckpoint } from '../../../../src/checkpoints/shard-checkpoint.js';

const shard = (shardId: string, parents: string[] = [], closed = false): ShardInfo => ({ shardId, parentShardIds: parents, closed });
const ended: ShardCheckpoint = { shardEnded: true, sequenceNumber: '5' };
const midway: ShardCheckpoint = { shardEnded: false, sequenceNumber: '3' };

describe('eligibleShards', () => {
  // s0 split into s2, s3; s1 and s2 merged into s4.
  const shards = [shard('s0', [], true), shard('s1', [], true), shard('s2', ['s0'], true), shard('s3', ['s0']), shard('s4', ['s1', 's2'])];

  it('starts with the shards without unfinished parents', () => {
    expect(eligibleShards(shards, new Map()).map((s) => s.shardId)).toEqual(['s0', 's1']);
  });

  it('starts children once their parents ended, a merge child once both did', () => {
    const checkpoints = new Map([
      ['s0', ended],
      ['s1', ended],
      ['s2', midway],
    ]);
    expect(eligibleShards(shards, checkpoints).map((s) => s.shardId)).toEqual(['s2', 's3']);
    checkpoints.set('s2', ended);
    expect(eligibleShards(shards, checkpoints).map((s) => s.shardId)).toEqual(['s3', 's4']);
  });

  it('does not wait for a parent that is no longer listed (trimmed)', () => {
    expect(eligibleShards([shard('s3', ['gone'])], new Map()).map((s) => s.shardId)).toEqual(['s3']);
  });

  it('says whether a parent was processed by the mapping', () => {
    expect(hasProcessedParent(shard('s3', ['s0']), new Map([['s0', ended]]))).toBe(true);
    expect(hasProcessedParent(shard('s3', ['s0']), new Map())).toBe(false);
  });
});

describe('startPins', () => {
  it('pins shards without known parents at now and lets children inherit the earliest parent pin', () => {
    const shards = [shard('s0', [], true), shard('s1'), shard('s2', ['s0']), shard('s3', ['s0', 's1'])];
    const pins = startPins(shards, new Map([['s1', { shardEnded: false, pinnedStartMs: 500 }]]), 1_000);
    expect(pins).toEqual(new Map([['s0', 1_000], ['s2', 1_000], ['s3', 500]]));
  });

  it('pins nothing under a parent that was read without a pin (its children start at their beginning)', () => {
    const pins = startPins([shard('s0', [], true), shard('s2', ['s0'])], new Map([['s0', midway]]), 1_000);
    expect(pins).toEqual(new Map());
  });

  it('keeps existing checkpoints as they are', () => {
    expect(startPins([shard('s0')], new Map([['s0', midway]]), 1_000)).toEqual(new Map());
  });
});
