import { describe, expect, it } from 'vitest';
import { laneOf } from '../../../../pollers/streams/lane-router.js';

describe('laneOf', () => {
  it('puts every record of one key in the same lane', () => {
    for (const key of ['a', 'user-42', '{"pk":{"S":"x"}}', '']) {
      expect(new Set(Array.from({ length: 5 }, () => laneOf(key, 7))).size).toBe(1);
    }
  });

  it('uses one lane with ParallelizationFactor 1', () => {
    expect(laneOf('anything', 1)).toBe(0);
  });

  it('spreads keys over every lane, each within range', () => {
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 1_000; i += 1) counts[laneOf(`key-${i}`, 10)]! += 1;
    expect(counts.every((count) => count > 50)).toBe(true);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(1_000);
  });
});
