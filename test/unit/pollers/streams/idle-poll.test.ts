import { describe, expect, it } from 'vitest';
import { nextIdlePollAt } from '../../../../pollers/streams/idle-poll.js';

describe('nextIdlePollAt', () => {
  it('is the next multiple of the interval, within one interval of now', () => {
    for (const now of [0, 1, 999.5, 1_000, 1_000.25, 12_345.678]) {
      const next = nextIdlePollAt(now, 1_000);
      expect(next % 1_000).toBe(0);
      expect(next).toBeGreaterThan(now);
      expect(next - now).toBeLessThanOrEqual(1_000);
    }
  });

  it('gives shards that caught up at different moments of one interval the same next poll', () => {
    const polls = [5_010, 5_230.5, 5_777, 5_999.9].map((now) => nextIdlePollAt(now, 1_000));
    expect(new Set(polls)).toEqual(new Set([6_000]));
    expect(nextIdlePollAt(5_500, 250)).toBe(5_750);
  });

  it('reads again at once with an idle interval of 0', () => {
    expect(nextIdlePollAt(1_234.5, 0)).toBe(1_234.5);
  });
});
