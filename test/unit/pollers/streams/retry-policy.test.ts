import { describe, expect, it } from 'vitest';
import { bisect, decideRetry, expiredPrefixLength, type RetrySettings } from '../../../../pollers/streams/retry-policy.js';

const settings = (overrides: Partial<RetrySettings> = {}): RetrySettings => ({
  maximumRetryAttempts: 2,
  maximumRecordAgeSeconds: -1,
  bisectOnFunctionError: false,
  ...overrides,
});
const noJitter = () => 0;

describe('decideRetry', () => {
  it('retries a function error, counted, with growing delays, until MaximumRetryAttempts', () => {
    expect(decideRetry({ kind: 'function_error', recordCount: 3, retriesUsed: 0, uncountedFailures: 0 }, settings(), noJitter)).toEqual({
      action: 'retry',
      counted: true,
      delayMs: 1_000,
    });
    expect(decideRetry({ kind: 'function_error', recordCount: 3, retriesUsed: 1, uncountedFailures: 0 }, settings(), noJitter)).toEqual({
      action: 'retry',
      counted: true,
      delayMs: 2_000,
    });
    expect(decideRetry({ kind: 'function_error', recordCount: 3, retriesUsed: 2, uncountedFailures: 0 }, settings(), noJitter)).toEqual({
      action: 'discard',
      condition: 'RetryAttemptsExhausted',
    });
  });

  it('MaximumRetryAttempts 0 discards after the first failure; −1 never does', () => {
    expect(decideRetry({ kind: 'function_error', recordCount: 1, retriesUsed: 0, uncountedFailures: 0 }, settings({ maximumRetryAttempts: 0 })).action).toBe('discard');
    expect(decideRetry({ kind: 'function_error', recordCount: 1, retriesUsed: 10_000, uncountedFailures: 0 }, settings({ maximumRetryAttempts: -1 })).action).toBe('retry');
  });

  it('bisects a failing batch of more than one record without counting a retry', () => {
    const bisecting = settings({ bisectOnFunctionError: true, maximumRetryAttempts: 0 });
    expect(decideRetry({ kind: 'function_error', recordCount: 2, retriesUsed: 0, uncountedFailures: 0 }, bisecting)).toEqual({ action: 'bisect' });
    expect(decideRetry({ kind: 'function_error', recordCount: 1, retriesUsed: 0, uncountedFailures: 0 }, bisecting).action).toBe('discard');
  });

  it('never bisects a partial response: the remainder is retried and counted', () => {
    const decision = decideRetry({ kind: 'partial', recordCount: 4, retriesUsed: 0, uncountedFailures: 0 }, settings({ bisectOnFunctionError: true }), noJitter);
    expect(decision).toEqual({ action: 'retry', counted: true, delayMs: 1_000 });
  });

  it('retries throttles and invoke errors without counting them, even with MaximumRetryAttempts 0', () => {
    const zero = settings({ maximumRetryAttempts: 0 });
    expect(decideRetry({ kind: 'throttled', recordCount: 1, retriesUsed: 0, uncountedFailures: 0 }, zero, noJitter)).toEqual({ action: 'retry', counted: false, delayMs: 100 });
    expect(decideRetry({ kind: 'invoke_error', recordCount: 1, retriesUsed: 0, uncountedFailures: 3 }, zero, noJitter)).toEqual({ action: 'retry', counted: false, delayMs: 4_000 });
  });
});

describe('expiredPrefixLength', () => {
  it('counts the leading records older than MaximumRecordAgeInSeconds', () => {
    expect(expiredPrefixLength([1_000, 2_000, 70_000, 80_000], 75_000, 60)).toBe(2);
    expect(expiredPrefixLength([1_000, 2_000], 1_000_000, -1)).toBe(0);
  });
});

describe('bisect', () => {
  it('splits in halves, the first larger for odd sizes', () => {
    expect(bisect([1, 2, 3, 4, 5])).toEqual([[1, 2, 3], [4, 5]]);
    expect(bisect([1, 2])).toEqual([[1], [2]]);
  });
});
