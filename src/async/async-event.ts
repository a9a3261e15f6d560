/**
 * One asynchronous invocation as the event queue stores it: the event, its request id, and what happened so far.
 * Every field is plain JSON, so the job survives restarts and is read by any replica.
 */
export interface AsyncEvent {
  readonly functionName: string;
  /** Request id answered to the caller; every attempt of the event uses it, as Lambda does. */
  readonly requestId: string;
  /** The event as JSON text. */
  readonly payload: string;
  /** When the Invoke API accepted the event, epoch ms (the event's age counts from here). */
  readonly queuedAt: number;
  /** Invocations that ran the function (successful, failed or timed out). */
  readonly invokeCount: number;
  /** Function errors and timeouts so far: retried up to MaximumRetryAttempts. */
  readonly functionErrors: number;
  /** Throttles and system errors so far: retried with backoff until the event is too old. */
  readonly throttles: number;
  /** The last answer of the function, for the invocation record and the dead-letter attributes. */
  readonly lastResponse?: AsyncResponse;
}

/** What one attempt answered. */
export interface AsyncResponse {
  /** 200 when the function ran (also for function errors), 429 when throttled, 500 for system errors. */
  readonly statusCode: number;
  /** `Unhandled` after a function error or timeout. */
  readonly functionError?: 'Unhandled';
  /** The result or the error object as JSON text; absent when the function did not run. */
  readonly payload?: string;
  /** The error message (function error, throttle, system error). */
  readonly errorMessage?: string;
  readonly executedVersion: string;
}

export function newAsyncEvent(functionName: string, requestId: string, payload: string, queuedAt: number): AsyncEvent {
  return { functionName, requestId, payload, queuedAt, invokeCount: 0, functionErrors: 0, throttles: 0 };
}
