import { describe, expect, it } from 'vitest';
import { evenlySpreadPauses, percentile } from '../../../bench/statistics.js';

describe('evenlySpreadPauses', () => {
  it('gives one pause in the middle of each equal slice of the span, in some order', () => {
    const pauses = evenlySpreadPauses(15, 1_000);
    expect(pauses).toHaveLength(15);
    const sorted = [...pauses].sort((a, b) => a - b);
    sorted.forEach((pause, slice) => expect(pause).toBeCloseTo(((slice + 0.5) * 1_000) / 15, 6));
    // So the median write falls half a cycle after a poll, whatever the order.
    expect(percentile(pauses, 0.5)).toBeCloseTo(500, 6);
  });

  it('orders them at random', () => {
    const orders = new Set(Array.from({ length: 20 }, () => evenlySpreadPauses(15, 1_000).join(',')));
    expect(orders.size).toBeGreaterThan(1);
  });
});
