import { describe, expect, it } from 'vitest';
import { newAsyncEvent } from '../../../src/async/async-event.js';
import { decideAfterAttempt, expiredBeforeAttempt } from '../../../src/async/async-retry-policy.js';
import { asyncSettingsOf } from '../../../src/async/event-invoke-config.js';
import type { InvokeOutcome } from '../../../src/functions/invoker.js';

const base = { requestId: 'r-1', durationMs: 5, executedVersion: '$LATEST' };
const failed: InvokeOutcome = { kind: 'function_error', payload: '{"errorMessage":"boom"}', errorType: 'Error', errorMessage: 'boom', ...base };
const throttled: InvokeOutcome = { kind: 'throttled', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', ...base };
const succeeded: InvokeOutcome = { kind: 'success', payload: '{"ok":true}', ...base };
const settings = asyncSettingsOf(undefined);
const at = (now: number, timeScale = 1) => ({ now, timeScale });

describe('asynchronous retry policy', () => {
  it('retries function errors after 1 and then 2 minutes, then gives up with RetriesExhausted after MaximumRetryAttempts (2)', () => {
    const first = decideAfterAttempt(newAsyncEvent('f', 'r-1', '{}', 0), failed, settings, at(1_000));
    expect(first).toMatchObject({ kind: 'retry', delayMs: 60_000, event: { invokeCount: 1, functionErrors: 1 } });
    const second = decideAfterAttempt(first.event, failed, settings, at(62_000));
    expect(second).toMatchObject({ kind: 'retry', delayMs: 120_000, event: { invokeCount: 2, functionErrors: 2 } });
    const third = decideAfterAttempt(second.event, { ...failed, kind: 'timed_out' }, settings, at(183_000));
    expect(third).toMatchObject({ kind: 'give_up', condition: 'RetriesExhausted', event: { invokeCount: 3 } });
    expect(third.event.lastResponse).toEqual({ statusCode: 200, functionError: 'Unhandled', payload: '{"errorMessage":"boom"}', errorMessage: 'boom', executedVersion: '$LATEST' });
  });

  it('honours MaximumRetryAttempts 0 and scales the waits', () => {
    const none = asyncSettingsOf({ MaximumRetryAttempts: 0 });
    expect(decideAfterAttempt(newAsyncEvent('f', 'r', '{}', 0), failed, none, at(0))).toMatchObject({ kind: 'give_up', condition: 'RetriesExhausted' });
    expect(decideAfterAttempt(newAsyncEvent('f', 'r', '{}', 0), failed, settings, at(0, 0.01))).toMatchObject({ kind: 'retry', delayMs: 600 });
  });

  it('retries throttles from 1 s doubling to 5 min without counting invocations, and never waits past the event age', () => {
    let event = newAsyncEvent('f', 'r', '{}', 0);
    const delays: number[] = [];
    for (let i = 0; i < 11; i++) {
      const decision = decideAfterAttempt(event, throttled, settings, at(0));
      expect(decision.kind).toBe('retry');
      if (decision.kind === 'retry') delays.push(decision.delayMs);
      event = decision.event;
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000]);
    expect(event).toMatchObject({ invokeCount: 0, throttles: 11, lastResponse: { statusCode: 429, errorMessage: 'Rate Exceeded.' } });
    const short = asyncSettingsOf({ MaximumEventAgeInSeconds: 60 });
    expect(decideAfterAttempt(event, throttled, short, at(59_000))).toMatchObject({ kind: 'retry', delayMs: 1_000 });
    expect(decideAfterAttempt(event, throttled, short, at(60_000))).toMatchObject({ kind: 'give_up', condition: 'EventAgeExceeded' });
  });

  it('keeps the last function answer when a later attempt is throttled', () => {
    const afterError = decideAfterAttempt(newAsyncEvent('f', 'r', '{}', 0), failed, settings, at(0)).event;
    const afterThrottle = decideAfterAttempt(afterError, throttled, settings, at(60_000)).event;
    expect(afterThrottle.lastResponse).toEqual(afterError.lastResponse);
  });

  it('succeeds and expires by the event age before an attempt', () => {
    expect(decideAfterAttempt(newAsyncEvent('f', 'r', '{}', 0), succeeded, settings, at(0))).toMatchObject({
      kind: 'succeeded',
      event: { invokeCount: 1, lastResponse: { statusCode: 200, payload: '{"ok":true}' } },
    });
    const event = newAsyncEvent('f', 'r', '{}', 1_000);
    expect(expiredBeforeAttempt(event, settings, at(1_000 + 21_600_000 - 1))).toBe(false);
    expect(expiredBeforeAttempt(event, settings, at(1_000 + 21_600_000))).toBe(true);
    expect(expiredBeforeAttempt(event, settings, at(1_000 + 216_000, 0.01))).toBe(true);
  });
});
