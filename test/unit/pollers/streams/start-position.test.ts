import { describe, expect, it } from 'vitest';
import { arrivalFloorMs, startPosition } from '../../../../pollers/streams/start-position.js';

describe('startPosition', () => {
  it('resumes after the checkpoint whatever the starting position', () => {
    expect(startPosition({ StartingPosition: 'LATEST' }, { shardEnded: false, sequenceNumber: '42', pinnedStartMs: 1 }, false)).toEqual({
      type: 'AFTER_SEQUENCE_NUMBER',
      sequenceNumber: '42',
    });
  });

  it('starts a pinned LATEST shard at its pin', () => {
    expect(startPosition({ StartingPosition: 'LATEST' }, { shardEnded: false, pinnedStartMs: 1_700_000_000_123 }, false)).toEqual({
      type: 'AT_TIMESTAMP',
      timestampMs: 1_700_000_000_123,
    });
  });

  it('follows StartingPosition without a checkpoint', () => {
    expect(startPosition({ StartingPosition: 'TRIM_HORIZON' }, undefined, false)).toEqual({ type: 'TRIM_HORIZON' });
    expect(startPosition({ StartingPosition: 'LATEST' }, undefined, false)).toEqual({ type: 'LATEST' });
    expect(startPosition({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 1_541_139_209.351 }, undefined, false)).toEqual({
      type: 'AT_TIMESTAMP',
      timestampMs: 1_541_139_209_351,
    });
  });

  it('starts a child of a processed shard at its beginning', () => {
    expect(startPosition({ StartingPosition: 'LATEST' }, undefined, true)).toEqual({ type: 'TRIM_HORIZON' });
  });

  it('without AT_TIMESTAMP iterators, reads a pinned shard from its beginning and skips what arrived before the pin', () => {
    const pinned = { shardEnded: false, pinnedStartMs: 1_700_000_123_456 };
    expect(startPosition({ StartingPosition: 'LATEST' }, pinned, false, false)).toEqual({ type: 'TRIM_HORIZON' });
    // Rounded down to the minute: a record created after the pin is never skipped, whatever the clock's resolution.
    expect(arrivalFloorMs(pinned, false)).toBe(1_700_000_100_000);
  });

  it('skips nothing with AT_TIMESTAMP iterators, after a checkpoint, or without a pin', () => {
    expect(arrivalFloorMs({ shardEnded: false, pinnedStartMs: 1_700_000_123_456 }, true)).toBeUndefined();
    expect(arrivalFloorMs({ shardEnded: false, sequenceNumber: '42', pinnedStartMs: 1_700_000_123_456 }, false)).toBeUndefined();
    expect(arrivalFloorMs({ shardEnded: false }, false)).toBeUndefined();
    expect(arrivalFloorMs(undefined, false)).toBeUndefined();
  });
});
