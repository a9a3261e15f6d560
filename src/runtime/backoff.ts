import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waiting and backoff, in one place. Every wait is abortable; backoff strategies are pure functions of the
 * attempt number so they can be tested and reasoned about without clocks.
 */

/** Sleeps `ms`; resolves `true` when the time passed, `false` as soon as `signal` aborts. Never throws. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await delay(Math.max(0, ms), undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export interface ExponentialBackoff {
  /** Delay before the first retry, milliseconds. */
  readonly baseMs: number;
  /** Upper bound of any delay, milliseconds. */
  readonly maxMs: number;
  /** 0 = none; 1 = "full jitter" (uniform in [0, d]); 0.5 = uniform in [d/2, d]. */
  readonly jitter: number;
}

/** Delay for retry number `attempt` (1-based): base·2^(attempt−1), capped, then jittered. */
export function exponentialDelayMs(policy: ExponentialBackoff, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(capped * (1 - policy.jitter * random()));
}

/** After an error talking to a source or store: 0.5 s doubling to 30 s, half jitter. */
export const ERROR_BACKOFF: ExponentialBackoff = { baseMs: 500, maxMs: 30_000, jitter: 0.5 };
/**
 * After a source endpoint that did not answer (connection refused or reset, timed out): 0.5 s doubling to 5 s, half
 * jitter. Such a call reached nothing, so retrying costs the source nothing, and a restarted endpoint is read again
 * within seconds instead of after {@link ERROR_BACKOFF}'s 30 s.
 */
export const UNREACHABLE_BACKOFF: ExponentialBackoff = { baseMs: 500, maxMs: 5_000, jitter: 0.5 };
/** After a throttled invocation: 100 ms doubling to 10 s, half jitter. */
export const THROTTLE_BACKOFF: ExponentialBackoff = { baseMs: 100, maxMs: 10_000, jitter: 0.5 };
/** Between retries of a failed stream batch: 1 s doubling to 60 s, half jitter (spec §3.6: spaced, not hot). */
export const FUNCTION_ERROR_BACKOFF: ExponentialBackoff = { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 };
