import { exponentialDelayMs } from '../runtime/backoff.js';

/** Delay before the first retry of a delivery, ms; doubles on each attempt (AWS async retries start at 1 s, spec §6.1). */
export const DEFAULT_DELIVERY_BACKOFF_MS = 1_000;
/** Upper bound of the delay between delivery attempts, ms (AWS async retries grow to 5 min, spec §6.1). */
export const DEFAULT_MAX_DELIVERY_BACKOFF_MS = 300_000;
/** Jitter of the delivery backoff: each delay is uniform in [0.8·d, d]. */
export const DELIVERY_BACKOFF_JITTER = 0.2;

/**
 * Delay before the next delivery attempt after `attemptsMade` failed ones (1-based): `baseMs`·2^(n−1), at most
 * `maxMs`, jittered down by up to {@link DELIVERY_BACKOFF_JITTER}.
 */
export function deliveryRetryDelayMs(attemptsMade: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return exponentialDelayMs({ baseMs, maxMs, jitter: DELIVERY_BACKOFF_JITTER }, attemptsMade, random);
}
