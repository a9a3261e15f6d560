/**
 * Entry of a handler worker thread: one Lambda-like execution environment for a `handler:` function.
 *
 * On start it sets the Lambda environment variables, imports the handler module once (ESM or CommonJS) and
 * reports `ready` or `init_error`. Then it runs one invocation per `invoke` message, like Lambda's Node.js
 * runtime: `async (event, context)`, a callback-style `(event, context, callback)` when the function declares
 * three parameters, or a plain synchronous return. `console.*` output travels to the main thread as `log`
 * messages tagged with the request id; raw writes to stdout/stderr are piped by the main thread.
 *
 * As Lambda's runtime, an uncaught exception or an unhandled rejection is reported as the running invocation's
 * error and the environment exits (exit status 129 and 128); the main thread replaces it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { basename, extname } from 'node:path';
import { format } from 'node:util';
import {
  errorObjectOf,
  handlerNotFoundErrorObject,
  importErrorObject,
  unhandledRejectionErrorObject,
  type LambdaErrorObject,
} from './function-error.js';
import type { HandlerWorkerData, InvokeMessage, ParentMessage, WorkerMessage } from './handler-worker-protocol.js';

type Callback = (error?: unknown, result?: unknown) => void;
type Handler = (event: unknown, context: LambdaContext, callback: Callback) => unknown;

/** The `context` object of Lambda's Node.js runtime. */
interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly clientContext?: Readonly<Record<string, unknown>>;
  getRemainingTimeInMillis(): number;
  /** Legacy completion methods, still offered by the runtime. */
  done(error?: unknown, result?: unknown): void;
  succeed(result?: unknown): void;
  fail(error?: unknown): void;
}

/** Lambda's exit statuses for a runtime killed by an uncaught exception and by an unhandled rejection. */
const UNCAUGHT_EXCEPTION_EXIT_CODE = 129;
const UNHANDLED_REJECTION_EXIT_CODE = 128;
/** The `console` methods forwarded as log messages, with the level Lambda gives them. */
const CONSOLE_LEVELS = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' } as const;

const port = parentPort!;
const data = workerData as HandlerWorkerData;
/** Lambda's name for the handler: `<module file without extension>.<export>`, e.g. `index.handler`. */
const HANDLER_NAME = `${basename(data.file, extname(data.file))}.${data.exportName}`;
/** Request id of the invocation running now; one at a time per worker. */
let currentRequestId: string | undefined;

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

function fatal(error: LambdaErrorObject, exitCode: number): void {
  post({ type: 'fatal', ...(currentRequestId !== undefined ? { requestId: currentRequestId } : {}), error });
  process.exit(exitCode);
}

process.on('uncaughtException', (err) => fatal(errorObjectOf(err), UNCAUGHT_EXCEPTION_EXIT_CODE));
process.on('unhandledRejection', (reason) => fatal(unhandledRejectionErrorObject(reason), UNHANDLED_REJECTION_EXIT_CODE));

for (const [method, level] of Object.entries(CONSOLE_LEVELS)) {
  (console as unknown as Record<string, (...args: unknown[]) => void>)[method] = (...args: unknown[]) => {
    const text = method === 'trace' ? `Trace: ${format(...args)}\n${new Error().stack?.split('\n').slice(2).join('\n') ?? ''}` : format(...args);
    post({ type: 'log', ...(currentRequestId !== undefined ? { requestId: currentRequestId } : {}), level, text });
  };
}

// The function's variables, then those Lambda sets in every execution environment. This worker's process.env is its own copy.
Object.assign(process.env, data.environment ?? {}, {
  AWS_LAMBDA_FUNCTION_NAME: data.functionName,
  AWS_LAMBDA_FUNCTION_VERSION: data.functionVersion,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(data.memorySizeMb),
  AWS_LAMBDA_LOG_GROUP_NAME: data.logGroupName,
  AWS_LAMBDA_LOG_STREAM_NAME: data.logStreamName,
  AWS_REGION: data.region,
  AWS_DEFAULT_REGION: data.region,
  AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
  _HANDLER: HANDLER_NAME,
});

async function loadHandler(): Promise<Handler | LambdaErrorObject> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(data.file).href)) as Record<string, unknown>;
  } catch (err) {
    return importErrorObject(err);
  }
  let exported = module[data.exportName];
  // A CommonJS module's exports sit on `default` when Node cannot detect its named exports.
  const cjsExports = module.default;
  if (exported === undefined && typeof cjsExports === 'object' && cjsExports !== null) {
    exported = (cjsExports as Record<string, unknown>)[data.exportName];
  }
  if (typeof exported !== 'function') return handlerNotFoundErrorObject(HANDLER_NAME, exported);
  return exported as Handler;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Runs the handler once; resolves with its result, rejects with what it threw, rejected or called back with. */
function runHandler(handler: Handler, event: unknown, message: InvokeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, result: unknown): void => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const context: LambdaContext = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: data.functionName,
      functionVersion: data.functionVersion,
      invokedFunctionArn: data.invokedFunctionArn,
      memoryLimitInMB: String(data.memorySizeMb),
      awsRequestId: message.requestId,
      logGroupName: data.logGroupName,
      logStreamName: data.logStreamName,
      ...(message.clientContext ? { clientContext: message.clientContext } : {}),
      getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
      done: (error, result) => settle(error, result),
      succeed: (result) => settle(undefined, result),
      fail: (error) => settle(error ?? new Error('handled'), undefined),
    };
    const callback: Callback = (error, result) => settle(error, result);
    let returned: unknown;
    try {
      returned = handler(event, context, callback);
    } catch (err) {
      settle(err ?? new Error(String(err)), undefined);
      return;
    }
    if (isThenable(returned)) {
      returned.then(
        (result) => settle(undefined, result),
        (err: unknown) => settle(err ?? new Error(String(err)), undefined),
      );
    } else if (handler.length < 3) {
      // A synchronous handler's return value is its result; a callback-style one answers through the callback.
      settle(undefined, returned);
    }
  });
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<WorkerMessage> {
  const started = performance.now();
  /** Time the environment spent on this event; the pool weighs waiting for a busy environment with it. */
  const runMs = (): number => performance.now() - started;
  let event: unknown;
  try {
    event = JSON.parse(message.payload);
  } catch (err) {
    return { type: 'bad_request', requestId: message.requestId, message: (err as Error).message };
  }
  let result: unknown;
  try {
    result = await runHandler(handler, event, message);
  } catch (err) {
    return { type: 'error', requestId: message.requestId, error: errorObjectOf(err), runMs: runMs() };
  }
  let payload: string;
  try {
    payload = JSON.stringify(result === undefined ? null : result) ?? 'null';
  } catch {
    // The Node.js runtime's words when the result cannot be serialised.
    return { type: 'error', requestId: message.requestId, error: errorObjectOf(new Error('Unable to stringify response body')), runMs: runMs() };
  }
  return { type: 'result', requestId: message.requestId, payload, runMs: runMs() };
}

const loaded = await loadHandler();
if (typeof loaded !== 'function') {
  post({ type: 'init_error', error: loaded });
} else {
  port.on('message', (message: ParentMessage) => {
    currentRequestId = message.requestId;
    void invoke(loaded, message).then((answer) => {
      currentRequestId = undefined;
      post(answer);
    });
  });
  post({ type: 'ready' });
}
