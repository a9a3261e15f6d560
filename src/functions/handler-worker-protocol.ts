import type { LambdaErrorObject } from './function-error.js';

/**
 * Messages between a ModuleInvoker's execution environment (main thread) and its handler worker thread.
 * A worker runs one invocation at a time; every `invoke` is answered by exactly one `result`, `error` or
 * `bad_request`, unless the worker dies first (then `fatal` may precede its exit).
 */

/** What a worker needs to load the handler and build each invocation's `context`. */
export interface HandlerWorkerData {
  /** Absolute path of the handler module. */
  readonly file: string;
  readonly exportName: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memorySizeMb: number;
  readonly region: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** The function's own environment variables (Lambda's reserved ones are set over them). */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  /** The event as JSON text. */
  readonly payload: string;
  /** Epoch milliseconds at which the invocation times out (`context.getRemainingTimeInMillis()`). */
  readonly deadlineMs: number;
  /** The caller's client context (`context.clientContext`), when it sent one. */
  readonly clientContext?: Readonly<Record<string, unknown>>;
}

export type ParentMessage = InvokeMessage;

export type WorkerMessage =
  /** The module loaded and the export is a function. */
  | { readonly type: 'ready' }
  /** The module failed to load or the export is not a function; the worker is useless. */
  | { readonly type: 'init_error'; readonly error: LambdaErrorObject }
  /** The handler returned; `payload` is the result as JSON text. */
  | { readonly type: 'result'; readonly requestId: string; readonly payload: string; readonly runMs: number }
  /** The handler threw or rejected; the worker stays usable. */
  | { readonly type: 'error'; readonly requestId: string; readonly error: LambdaErrorObject; readonly runMs: number }
  /** The event was not JSON; the handler did not run. */
  | { readonly type: 'bad_request'; readonly requestId: string; readonly message: string }
  /** An uncaught exception or unhandled rejection: the worker exits right after this message. */
  | { readonly type: 'fatal'; readonly requestId?: string; readonly error: LambdaErrorObject }
  /** One `console.*` call of the handler. */
  | { readonly type: 'log'; readonly requestId?: string; readonly level: string; readonly text: string };
