import type { InjectedFault } from '../faults/function-faults.js';

/**
 * The one contract every function target implements (module handler, HTTP URL, Lambda ARN).
 *
 * An invoker runs the function once and reports what happened as a typed outcome. It never retries:
 * what an outcome means (retry, bisect, delete, drop) is the caller's decision.
 */

/** How one invocation ended. `timed_out` is a function error in Lambda's terms, kept apart for metrics. */
export type InvokeOutcomeKind = 'success' | 'function_error' | 'timed_out' | 'throttled' | 'invoke_error';

interface OutcomeBase {
  /** Request id of this invocation (the `awsRequestId` the function saw). */
  readonly requestId: string;
  /** Wall time of the invocation, milliseconds. */
  readonly durationMs: number;
  /** Version that ran, as Lambda's `X-Amz-Executed-Version` (`$LATEST` for local targets). */
  readonly executedVersion: string;
  /** What the function logged during this invocation, when asked with `logType: 'Tail'` and the target can tell. */
  readonly log?: string;
  /** Set when an injected fault shaped this outcome (see src/faults): which one. */
  readonly injectedFault?: InjectedFault;
}

/** The function ran and returned; `payload` is its result as JSON text (`null` for undefined). */
export interface SuccessOutcome extends OutcomeBase {
  readonly kind: 'success';
  readonly payload: string;
}

/**
 * The function ran and failed (threw, crashed, ran out of memory, answered with an error status).
 * `payload` is the Lambda error object as JSON text: `{"errorType","errorMessage","trace"?}` (the Node runtime shape).
 */
export interface FunctionErrorOutcome extends OutcomeBase {
  readonly kind: 'function_error' | 'timed_out';
  readonly payload: string;
  readonly errorType: string;
  readonly errorMessage: string;
}

/** The function did not run because of a concurrency or rate limit (Lambda's 429). */
export interface ThrottledOutcome extends OutcomeBase {
  readonly kind: 'throttled';
  readonly reason: string;
}

/** The function never ran: network failure, unknown function, permissions, bad request. */
export interface InvokeErrorOutcome extends OutcomeBase {
  readonly kind: 'invoke_error';
  readonly error: Error;
}

export type InvokeOutcome = SuccessOutcome | FunctionErrorOutcome | ThrottledOutcome | InvokeErrorOutcome;

export interface InvokeOptions {
  /** Aborting does not cancel a running function; it only stops waiting for a queued slot. */
  readonly signal?: AbortSignal;
  /** Request id to use; a fresh UUID when absent. */
  readonly requestId?: string;
  /** `Tail`: collect what the function logs during the invocation into the outcome's `log` (module handlers). */
  readonly logType?: 'Tail';
  /** The caller's client context (decoded `X-Amz-Client-Context`), given to module handlers as `context.clientContext`. */
  readonly clientContext?: Readonly<Record<string, unknown>>;
}

export interface Invoker {
  /** Runs the function once with `payload` (the event as JSON text). Never throws for function failures. */
  invoke(payload: string, options?: InvokeOptions): Promise<InvokeOutcome>;
  /** Releases workers, sockets and clients; in-flight invocations are allowed to finish first. */
  close(): Promise<void>;
  /**
   * How long an invocation starting now may take before the function's own timeout starts counting: loading a
   * cold environment (Lambda's init phase). Callers that must keep a batch hidden for the whole invocation (SQS)
   * add it to the timeout. Absent: 0.
   */
  startupAllowanceMs?(): number;
  /**
   * Initialises an execution environment ahead of the first invocation when none exists, as Lambda may for
   * on-demand functions, so that a poller's first batch does not wait for the module to load. Absent: nothing to
   * prepare (remote targets).
   */
  prepare?(): void;
}

/** True when the outcome counts as a function error for retry and bisect purposes (errors and timeouts). */
export function isFunctionError(outcome: InvokeOutcome): outcome is FunctionErrorOutcome {
  return outcome.kind === 'function_error' || outcome.kind === 'timed_out';
}
