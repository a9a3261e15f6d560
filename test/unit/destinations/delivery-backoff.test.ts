import { describe, expect, it } from 'vitest';
import { deliveryRetryDelayMs } from '../../../src/destinations/delivery-backoff.js';

describe('deliveryRetryDelayMs', () => {
  const noJitter = () => 0;

  it('doubles from the base delay', () => {
    expect([1, 2, 3, 4].map((n) => deliveryRetryDelayMs(n, 1_000, 300_000, noJitter))).toStrictEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('never exceeds the cap, however many attempts were made', () => {
    expect(deliveryRetryDelayMs(9, 1_000, 300_000, noJitter)).toBe(256_000);
    expect(deliveryRetryDelayMs(10, 1_000, 300_000, noJitter)).toBe(300_000);
    expect(deliveryRetryDelayMs(60, 1_000, 300_000, noJitter)).toBe(300_000);
  });

  it('jitters down by at most a fifth', () => {
    expect(deliveryRetryDelayMs(3, 1_000, 300_000, () => 1)).toBe(3_200);
    expect(deliveryRetryDelayMs(3, 1_000, 300_000, () => 0.5)).toBe(3_600);
  });
});
