/**
 * Lambda error objects: the JSON a failed invocation returns as its payload (with `X-Amz-Function-Error`).
 *
 * The Node.js runtime reports a thrown value as `{"errorType","errorMessage","trace":[…]}` — `trace` is the
 * error's `stack` split into lines. The same lines also go under `stackTrace`, the name the Python runtime and
 * the reference (spec §7) use, so consumers written against either shape find them. Errors raised by the
 * platform itself (timeouts, crashes, init failures) carry Lambda's `Runtime.*` / `Sandbox.*` types and messages.
 */

import type { FunctionErrorOutcome } from './invoker.js';

/** The error object as Lambda's Node.js runtime serialises it. */
export interface LambdaErrorObject {
  readonly errorType: string;
  readonly errorMessage: string;
  /** Stack lines, first line `Name: message` (Node.js runtime); absent for platform errors. */
  readonly trace?: readonly string[];
  /** The same lines as `trace`, for a value the handler threw. */
  readonly stackTrace?: readonly string[];
}

/** Lambda's errorType for an invocation that ran past the function timeout. */
export const TIMEOUT_ERROR_TYPE = 'Sandbox.Timedout';
/** Lambda's errorType when the runtime process exits during an invocation. */
export const EXIT_ERROR_TYPE = 'Runtime.ExitError';
/** Lambda's errorType when the function runs out of memory (the runtime is killed). */
export const OUT_OF_MEMORY_ERROR_TYPE = 'Runtime.OutOfMemory';
/** Lambda's errorType when the handler module cannot be loaded. */
export const IMPORT_MODULE_ERROR_TYPE = 'Runtime.ImportModuleError';
/** Lambda's errorType when the handler module fails to parse. */
export const USER_CODE_SYNTAX_ERROR_TYPE = 'Runtime.UserCodeSyntaxError';
/** Lambda's errorType when the named export is missing or not a function. */
export const HANDLER_NOT_FOUND_ERROR_TYPE = 'Runtime.HandlerNotFound';
/** Lambda's errorType for a promise rejection nobody handled (the runtime exits after reporting it). */
export const UNHANDLED_REJECTION_ERROR_TYPE = 'Runtime.UnhandledPromiseRejection';
/** Lambda's errorType when the response is larger than the synchronous payload limit. */
export const RESPONSE_TOO_LARGE_ERROR_TYPE = 'Function.ResponseSizeTooLarge';
/** errorType we give an HTTP target answering with a non-2xx status other than 429. */
export const HTTP_ERROR_TYPE = 'HttpError';

/** Lambda's synchronous response payload limit, bytes (spec §6.4: "maximum allowed payload size (6291556 bytes)"). */
export const MAX_RESPONSE_PAYLOAD_BYTES = 6_291_556;

/**
 * The error object for a value a handler threw or rejected with, as the Node.js runtime builds it: an Error gives
 * its name, message and stack lines; any other value gives `typeof value`, its string form and an empty trace.
 */
export function errorObjectOf(thrown: unknown): LambdaErrorObject {
  if (isErrorLike(thrown)) {
    const name = typeof thrown.name === 'string' && thrown.name !== '' ? thrown.name : 'Error';
    const message = typeof thrown.message === 'string' ? thrown.message : String(thrown.message);
    const stack = typeof thrown.stack === 'string' && thrown.stack !== '' ? thrown.stack : `${name}: ${message}`;
    const lines = stack.split('\n');
    return { errorType: name, errorMessage: message, trace: lines, stackTrace: lines };
  }
  return { errorType: typeof thrown, errorMessage: stringOf(thrown), trace: [], stackTrace: [] };
}

/** `Task timed out after 3.00 seconds`: the timeout printed with two decimals, as Lambda does. */
export function timeoutMessage(requestId: string, timeoutSeconds: number): string {
  return `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

export function timeoutErrorObject(requestId: string, timeoutSeconds: number): LambdaErrorObject {
  return { errorType: TIMEOUT_ERROR_TYPE, errorMessage: timeoutMessage(requestId, timeoutSeconds) };
}

/** The runtime exited during the invocation (`process.exit`, a fatal crash): `exit status <code>`. */
export function exitErrorObject(requestId: string, exitCode: number): LambdaErrorObject {
  return { errorType: EXIT_ERROR_TYPE, errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${exitCode}` };
}

/** The runtime ran out of memory; Lambda kills it and reports the signal. */
export function outOfMemoryErrorObject(requestId: string): LambdaErrorObject {
  return { errorType: OUT_OF_MEMORY_ERROR_TYPE, errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed` };
}

export function responseTooLargeErrorObject(): LambdaErrorObject {
  return {
    errorType: RESPONSE_TOO_LARGE_ERROR_TYPE,
    errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_PAYLOAD_BYTES} bytes).`,
  };
}

/**
 * Loading the handler module failed. As the Node.js runtime: a syntax error is `Runtime.UserCodeSyntaxError`, a
 * missing module `Runtime.ImportModuleError` (message `Error: Cannot find module …`), anything the module threw
 * while initialising is reported as itself.
 */
export function importErrorObject(thrown: unknown): LambdaErrorObject {
  const inner = errorObjectOf(thrown);
  if (isErrorLike(thrown) && thrown.name === 'SyntaxError') {
    return { errorType: USER_CODE_SYNTAX_ERROR_TYPE, errorMessage: `${inner.errorType}: ${inner.errorMessage}`, trace: inner.trace ?? [] };
  }
  const code = isErrorLike(thrown) ? (thrown as { code?: unknown }).code : undefined;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === 'ERR_UNSUPPORTED_DIR_IMPORT' || code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return { errorType: IMPORT_MODULE_ERROR_TYPE, errorMessage: `${inner.errorType}: ${inner.errorMessage}`, trace: inner.trace ?? [] };
  }
  return inner;
}

/** The export is missing (`index.handler is undefined or not exported`) or not a function (`… is not a function`). */
export function handlerNotFoundErrorObject(handlerName: string, exported: unknown): LambdaErrorObject {
  const reason = exported === undefined || exported === null ? 'is undefined or not exported' : 'is not a function';
  return { errorType: HANDLER_NOT_FOUND_ERROR_TYPE, errorMessage: `${handlerName} ${reason}`, trace: [] };
}

/** A rejection nobody handled while the invocation ran; Lambda reports `Runtime.UnhandledPromiseRejection`. */
export function unhandledRejectionErrorObject(reason: unknown): LambdaErrorObject {
  const inner = errorObjectOf(reason);
  const message = isErrorLike(reason) ? `${inner.errorType}: ${inner.errorMessage}` : inner.errorMessage;
  return { errorType: UNHANDLED_REJECTION_ERROR_TYPE, errorMessage: message, trace: inner.trace ?? [] };
}

/** An HTTP target answered with a status that is neither 2xx nor 429. */
export function httpErrorObject(status: number, statusText: string): LambdaErrorObject {
  const text = statusText ? ` ${statusText}` : '';
  return { errorType: HTTP_ERROR_TYPE, errorMessage: `Function URL answered HTTP ${status}${text}` };
}

/**
 * Reads a function error payload returned by a remote target (HTTP or Lambda). A JSON object with a string
 * `errorType` or `errorMessage` is kept as it is; any other body is wrapped the way the Node.js runtime wraps a
 * thrown non-Error value (`errorType` = its JSON type, `errorMessage` = its text).
 */
export function parseErrorPayload(text: string): { readonly payload: string; readonly error: LambdaErrorObject } {
  let value: unknown;
  try {
    value = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    value = text;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const fields = value as Record<string, unknown>;
    if (typeof fields.errorType === 'string' || typeof fields.errorMessage === 'string') {
      return {
        payload: text,
        error: {
          errorType: typeof fields.errorType === 'string' ? fields.errorType : 'Error',
          errorMessage: typeof fields.errorMessage === 'string' ? fields.errorMessage : '',
        },
      };
    }
  }
  const error: LambdaErrorObject =
    value === undefined
      ? { errorType: 'Unhandled', errorMessage: '', trace: [] }
      : { errorType: typeof value, errorMessage: typeof value === 'string' ? value : JSON.stringify(value), trace: [] };
  return { payload: JSON.stringify(error), error };
}

/**
 * The outcome of an invocation that failed with `error`. A `Sandbox.Timedout` error is a `timed_out` outcome,
 * whoever reported it. `payload` defaults to the error object as JSON.
 */
export function functionErrorOutcome(
  error: LambdaErrorObject,
  base: { readonly requestId: string; readonly durationMs: number; readonly executedVersion: string },
  payload: string = JSON.stringify(error),
): FunctionErrorOutcome {
  return {
    kind: error.errorType === TIMEOUT_ERROR_TYPE ? 'timed_out' : 'function_error',
    payload,
    errorType: error.errorType,
    errorMessage: error.errorMessage,
    ...base,
  };
}

function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  // Errors crossing a worker boundary or another realm are not `instanceof Error` here.
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string';
}

function stringOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
