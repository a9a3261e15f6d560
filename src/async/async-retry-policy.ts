import type { InvokeOutcome } from '../functions/invoker.js';
import type { AsyncEvent, AsyncResponse } from './async-event.js';
import type { AsyncSettings } from './event-invoke-config.js';

/**
 * Lambda's retry rules for asynchronous events (spec §6.1), as a pure decision: the event, the outcome of one
 * attempt and the settings in; what to do next and the event's new state out.
 */

/** Waits before the 2nd and the 3rd attempt after function errors: 1 min, then 2 min (AWS). */
export const FUNCTION_ERROR_RETRY_DELAYS_MS = [60_000, 120_000] as const;
/** First wait after a throttle or system error (AWS: 1 s), doubling up to {@link MAX_THROTTLE_RETRY_DELAY_MS}. */
export const THROTTLE_RETRY_BASE_DELAY_MS = 1_000;
/** Longest wait between throttled attempts (AWS: 5 min). */
export const MAX_THROTTLE_RETRY_DELAY_MS = 300_000;

export type AsyncCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

export type AsyncDecision =
  /** The function succeeded: the `Success` record goes to the on-success destination. */
  | { readonly kind: 'succeeded'; readonly event: AsyncEvent }
  /** Run again after `delayMs`. */
  | { readonly kind: 'retry'; readonly event: AsyncEvent; readonly delayMs: number }
  /** Give up: the failure record goes to the on-failure destination and the event to the dead-letter queue. */
  | { readonly kind: 'give_up'; readonly event: AsyncEvent; readonly condition: Exclude<AsyncCondition, 'Success'> };

export interface AsyncTiming {
  readonly now: number;
  /** Multiplies every wait and the maximum event age (the `async.timeScale` setting; 1 = AWS's timings). */
  readonly timeScale: number;
}

/** Time left before the event is too old, ms (≤ 0 once it is). */
export function eventTimeLeftMs(event: AsyncEvent, settings: AsyncSettings, timing: AsyncTiming): number {
  return event.queuedAt + settings.maximumEventAgeSeconds * 1000 * timing.timeScale - timing.now;
}

/** Before an attempt: an event past its maximum age is given up unseen by the function. */
export function expiredBeforeAttempt(event: AsyncEvent, settings: AsyncSettings, timing: AsyncTiming): boolean {
  return eventTimeLeftMs(event, settings, timing) <= 0;
}

/** After an attempt: what its outcome means for the event. */
export function decideAfterAttempt(event: AsyncEvent, outcome: InvokeOutcome, settings: AsyncSettings, timing: AsyncTiming): AsyncDecision {
  switch (outcome.kind) {
    case 'success': {
      const response: AsyncResponse = { statusCode: 200, payload: outcome.payload, executedVersion: outcome.executedVersion };
      return { kind: 'succeeded', event: { ...event, invokeCount: event.invokeCount + 1, lastResponse: response } };
    }
    case 'function_error':
    case 'timed_out': {
      const next: AsyncEvent = {
        ...event,
        invokeCount: event.invokeCount + 1,
        functionErrors: event.functionErrors + 1,
        lastResponse: {
          statusCode: 200,
          functionError: 'Unhandled',
          payload: outcome.payload,
          errorMessage: outcome.errorMessage,
          executedVersion: outcome.executedVersion,
        },
      };
      if (next.functionErrors > settings.maximumRetryAttempts) return { kind: 'give_up', event: next, condition: 'RetriesExhausted' };
      const delayMs = FUNCTION_ERROR_RETRY_DELAYS_MS[Math.min(next.functionErrors, FUNCTION_ERROR_RETRY_DELAYS_MS.length) - 1]! * timing.timeScale;
      return { kind: 'retry', event: next, delayMs };
    }
    case 'throttled':
    case 'invoke_error': {
      const throttled = outcome.kind === 'throttled';
      const next: AsyncEvent = {
        ...event,
        throttles: event.throttles + 1,
        // A function answer, if there was one, stays the last response; a throttle only replaces a throttle.
        lastResponse:
          event.lastResponse?.functionError !== undefined
            ? event.lastResponse
            : {
                statusCode: throttled ? 429 : 500,
                errorMessage: throttled ? 'Rate Exceeded.' : outcome.error.message,
                executedVersion: outcome.executedVersion,
              },
      };
      const backoffMs = Math.min(MAX_THROTTLE_RETRY_DELAY_MS, THROTTLE_RETRY_BASE_DELAY_MS * 2 ** Math.min(next.throttles - 1, 30)) * timing.timeScale;
      const timeLeftMs = eventTimeLeftMs(next, settings, timing);
      if (timeLeftMs <= 0) return { kind: 'give_up', event: next, condition: 'EventAgeExceeded' };
      // The last wait ends when the event expires, so it is given up at its maximum age, not a backoff later.
      return { kind: 'retry', event: next, delayMs: Math.min(backoffMs, timeLeftMs) };
    }
  }
}
