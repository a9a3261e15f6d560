import { INFINITE_RECORD_AGE_SECONDS, INFINITE_RETRY_ATTEMPTS } from '../../src/mappings/mapping-limits.js';
import type { EventSourceMapping } from '../../src/mappings/event-source-mapping.js';
import {
  ERROR_BACKOFF,
  exponentialDelayMs,
  FUNCTION_ERROR_BACKOFF,
  THROTTLE_BACKOFF,
} from '../../src/runtime/backoff.js';

/**
 * What happens to a stream batch after a failed attempt (spec §3.6). Pure: decisions are functions of the
 * failure, the batch's history and the mapping's settings.
 *
 * - function error (error, timeout, invalid partial response): with BisectBatchOnFunctionError and more than one
 *   record, split in halves (not a retry); else retry while MaximumRetryAttempts allows (−1 = unlimited), then
 *   discard with RetryAttemptsExhausted.
 * - partial response: the records before the lowest reported one are done; the rest is retried as above but
 *   never bisected (a partial response already says where to split).
 * - throttle or invoke error (the function never ran): retried without counting, bounded only by record age.
 */
export interface RetrySettings {
  /** −1 = retry until the records expire. */
  readonly maximumRetryAttempts: number;
  /** −1 = no limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisectOnFunctionError: boolean;
}

export function retrySettingsOf(mapping: EventSourceMapping): RetrySettings {
  return {
    maximumRetryAttempts: mapping.MaximumRetryAttempts ?? INFINITE_RETRY_ATTEMPTS,
    maximumRecordAgeSeconds: mapping.MaximumRecordAgeInSeconds ?? INFINITE_RECORD_AGE_SECONDS,
    bisectOnFunctionError: mapping.BisectBatchOnFunctionError ?? false,
  };
}

export type FailureKind = 'function_error' | 'partial' | 'throttled' | 'invoke_error';

export interface FailedAttempt {
  readonly kind: FailureKind;
  /** Records still to process after this attempt. */
  readonly recordCount: number;
  /** Counted retries already made for these records. */
  readonly retriesUsed: number;
  /** Consecutive uncounted failures (throttles, invoke errors) so far, this one excluded. */
  readonly uncountedFailures: number;
}

export type RetryDecision =
  | { readonly action: 'bisect' }
  | { readonly action: 'retry'; readonly counted: boolean; readonly delayMs: number }
  | { readonly action: 'discard'; readonly condition: 'RetryAttemptsExhausted' };

export function decideRetry(failure: FailedAttempt, settings: RetrySettings, random: () => number = Math.random): RetryDecision {
  if (failure.kind === 'throttled' || failure.kind === 'invoke_error') {
    const policy = failure.kind === 'throttled' ? THROTTLE_BACKOFF : ERROR_BACKOFF;
    return { action: 'retry', counted: false, delayMs: exponentialDelayMs(policy, failure.uncountedFailures + 1, random) };
  }
  if (failure.kind === 'function_error' && settings.bisectOnFunctionError && failure.recordCount > 1) return { action: 'bisect' };
  const unlimited = settings.maximumRetryAttempts === INFINITE_RETRY_ATTEMPTS;
  if (unlimited || failure.retriesUsed < settings.maximumRetryAttempts) {
    return { action: 'retry', counted: true, delayMs: exponentialDelayMs(FUNCTION_ERROR_BACKOFF, failure.retriesUsed + 1, random) };
  }
  return { action: 'discard', condition: 'RetryAttemptsExhausted' };
}

/**
 * How many leading records are older than MaximumRecordAgeInSeconds at `nowMs` (0 without a limit). Records
 * of a shard arrive in order, so the expired ones form a prefix.
 */
export function expiredPrefixLength(
  arrivalsEpochMs: readonly number[],
  nowMs: number,
  maximumRecordAgeSeconds: number,
): number {
  if (maximumRecordAgeSeconds === INFINITE_RECORD_AGE_SECONDS) return 0;
  const oldestAllowed = nowMs - maximumRecordAgeSeconds * 1000;
  let count = 0;
  while (count < arrivalsEpochMs.length && arrivalsEpochMs[count]! < oldestAllowed) count += 1;
  return count;
}

/** The two halves of a failing batch (the first one larger by one for odd sizes). */
export function bisect<T>(records: readonly T[]): [T[], T[]] {
  const middle = Math.ceil(records.length / 2);
  return [records.slice(0, middle), records.slice(middle)];
}
