import { describe, expect, it } from 'vitest';
import { SequenceTracker } from '../../../src/checkpoints/sequence-tracker.js';
import { compareSequenceNumbers } from '../../../src/checkpoints/sequence-number.js';

describe('compareSequenceNumbers', () => {
  it('compares as big integers, not as strings or doubles', () => {
    expect(compareSequenceNumbers('9', '10')).toBe(-1);
    expect(compareSequenceNumbers('49590338271490256608559692538361571095921575989136588898', '49590338271490256608559692538361571095921575989136588899')).toBe(-1);
    expect(compareSequenceNumbers('000000000000000000120', '120')).toBe(0);
    expect(compareSequenceNumbers('000000000000000000121', '120')).toBe(1);
  });
});

describe('SequenceTracker', () => {
  it('starts at the stored checkpoint', () => {
    expect(new SequenceTracker('100').checkpoint).toBe('100');
    expect(new SequenceTracker().checkpoint).toBeUndefined();
  });

  it('moves to the highest settled sequence number with nothing unsettled before it', () => {
    const tracker = new SequenceTracker();
    tracker.track(['1', '2', '3', '4']);
    expect(tracker.settle(['2'])).toBeUndefined();
    expect(tracker.settle(['1'])).toBe('2');
    expect(tracker.settle(['4'])).toBe('2');
    expect(tracker.unsettledCount).toBe(1);
    expect(tracker.settle(['3'])).toBe('4');
    expect(tracker.allSettled).toBe(true);
  });

  it('never moves backwards and refuses records out of shard order', () => {
    const tracker = new SequenceTracker('10');
    expect(() => tracker.track(['9'])).toThrow(RangeError);
    tracker.track(['11', '012']);
    expect(tracker.settle(['11', '012'])).toBe('012');
    expect(() => tracker.track(['12'])).toThrow(RangeError);
  });

  it('holds only unsettled records: what settles behind an unsettled one is folded into it', () => {
    const tracker = new SequenceTracker();
    tracker.track(['1']);
    for (let n = 2; n <= 10_000; n += 1) {
      tracker.track([String(n)]);
      tracker.settle([String(n)]);
    }
    expect(tracker.unsettledCount).toBe(1);
    expect(tracker.checkpoint).toBeUndefined();
    expect(tracker.settle(['1'])).toBe('10000');
  });

  it('never passes an unsettled record whichever order several lanes settle in', () => {
    const tracker = new SequenceTracker('0');
    tracker.track(['1', '2', '3', '4', '5', '6']);
    expect(tracker.settle(['2', '5'])).toBe('0');
    expect(tracker.settle(['6'])).toBe('0');
    expect(tracker.settle(['1'])).toBe('2');
    expect(tracker.settle(['4'])).toBe('2');
    expect(tracker.settle(['3'])).toBe('6');
    expect(tracker.allSettled).toBe(true);
  });

  it('refuses to settle a record twice', () => {
    const tracker = new SequenceTracker();
    tracker.track(['1', '2']);
    tracker.settle(['2']);
    expect(() => tracker.settle(['2'])).toThrow(RangeError);
  });

  it('refuses to settle what it does not track', () => {
    const tracker = new SequenceTracker();
    tracker.track(['5']);
    expect(() => tracker.settle(['6'])).toThrow(RangeError);
  });
});
