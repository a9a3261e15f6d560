import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Invoker, InvokeOptions, InvokeOutcome } from './invoker.js';
import { functionArnOf, type FunctionDefinition } from './function-definition.js';
import {
  MAX_RESPONSE_PAYLOAD_BYTES,
  exitErrorObject,
  functionErrorOutcome,
  outOfMemoryErrorObject,
  responseTooLargeErrorObject,
  timeoutErrorObject,
} from './function-error.js';
import { ExecutionEnvironment } from './execution-environment.js';
import { WorkerPool } from './worker-pool.js';
import { InvalidRequestContentError, InvokerClosedError, InvokerInternalError } from './invoke-error.js';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_FUNCTION_OUTPUT_LEVEL, type LogLevel } from '../config/service-config.js';
import { once } from '../runtime/lifecycle.js';
import { InFlight } from '../runtime/in-flight.js';

/** An idle execution environment is terminated after this long without an invocation. */
export const IDLE_ENVIRONMENT_TIMEOUT_MS = 60_000;
/** Longest time a handler module may take to load (Lambda's init phase limit: 10 s). */
export const INIT_TIMEOUT_MS = 10_000;
/** Concurrent invocations per function past which invocations are throttled (Lambda's default account quota). */
export const MAX_CONCURRENT_ENVIRONMENTS = 1_000;
/** Local targets run the only version there is. */
const LATEST_VERSION = '$LATEST';

export interface ModuleInvokerOptions {
  readonly logger: Logger;
  /** Region used in `context.invokedFunctionArn` and `AWS_REGION`. */
  readonly region: string;
  /** @defaultValue IDLE_ENVIRONMENT_TIMEOUT_MS */
  readonly idleTimeoutMs?: number;
  /** @defaultValue INIT_TIMEOUT_MS */
  readonly initTimeoutMs?: number;
  /** @defaultValue MAX_CONCURRENT_ENVIRONMENTS */
  readonly maxConcurrency?: number;
  /** Level of the `function_log` events carrying what handlers print. @defaultValue DEFAULT_FUNCTION_OUTPUT_LEVEL */
  readonly outputLevel?: LogLevel;
}

/**
 * Runs a `handler:` function (a JavaScript module's export) in worker threads, never on the main event loop.
 * Each concurrent invocation gets its own execution environment (a worker with the module loaded), reused while
 * warm. A timeout, crash or out-of-memory ends the invocation as a function error and replaces the worker; the
 * memory size caps the worker's heap.
 */
export class ModuleInvoker implements Invoker {
  private readonly pool: WorkerPool;
  private readonly inFlight = new InFlight<InvokeOutcome>();
  private readonly logger: Logger;
  private readonly maxConcurrency: number;
  private readonly initTimeoutMs: number;
  private active = 0;
  private closing = false;

  constructor(
    private readonly definition: FunctionDefinition,
    options: ModuleInvokerOptions,
  ) {
    const target = definition.target;
    if (target.type !== 'handler') throw new TypeError(`ModuleInvoker needs a handler target, got ${target.type}`);
    this.logger = options.logger;
    this.maxConcurrency = options.maxConcurrency ?? MAX_CONCURRENT_ENVIRONMENTS;
    this.initTimeoutMs = options.initTimeoutMs ?? INIT_TIMEOUT_MS;
    const initTimeoutMs = this.initTimeoutMs;
    const outputLevel = options.outputLevel ?? DEFAULT_FUNCTION_OUTPUT_LEVEL;
    this.pool = new WorkerPool(
      () =>
        new ExecutionEnvironment({
          data: {
            file: target.file,
            exportName: target.exportName,
            functionName: definition.name,
            functionVersion: LATEST_VERSION,
            invokedFunctionArn: functionArnOf(definition, options.region),
            memorySizeMb: definition.memorySizeMb,
            region: options.region,
            logGroupName: `/aws/lambda/${definition.name}`,
            logStreamName: logStreamName(new Date()),
            ...(definition.environment ? { environment: definition.environment } : {}),
          },
          memorySizeMb: definition.memorySizeMb,
          initTimeoutMs,
          logger: this.logger,
          outputLevel,
        }),
      options.idleTimeoutMs ?? IDLE_ENVIRONMENT_TIMEOUT_MS,
    );
  }

  /** Execution environments alive now (busy or warm). */
  get environmentCount(): number {
    return this.pool.size;
  }

  /** The init limit when no warm environment is idle: the next invocation may have to load the module first. */
  startupAllowanceMs(): number {
    return this.pool.idleCount > 0 ? 0 : this.initTimeoutMs;
  }

  prepare(): void {
    if (!this.closing) this.pool.prepare();
  }

  invoke(payload: string, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    return this.inFlight.track(this.run(payload, options.requestId ?? randomUUID(), options));
  }

  /** Waits for in-flight invocations (bounded by the timeout), then terminates every worker. */
  readonly close = once(async (): Promise<void> => {
    this.closing = true;
    await this.inFlight.drain();
    await this.pool.close();
  });

  private async run(payload: string, requestId: string, options: InvokeOptions): Promise<InvokeOutcome> {
    const started = performance.now();
    let base = (): { requestId: string; durationMs: number; executedVersion: string; log?: string } => ({
      requestId,
      durationMs: performance.now() - started,
      executedVersion: LATEST_VERSION,
    });
    if (this.closing) return { kind: 'invoke_error', error: new InvokerClosedError(this.definition.name), ...base() };
    if (this.active >= this.maxConcurrency) return { kind: 'throttled', reason: 'ConcurrentInvocationLimitExceeded', ...base() };
    this.active++;
    try {
      const acquired = await this.pool.acquire();
      switch (acquired.kind) {
        case 'ready':
          break;
        case 'init_error':
          this.logger.warn({ requestId, error: acquired.error }, 'function_init_failed');
          return functionErrorOutcome(acquired.error, base());
        case 'init_timeout':
          this.logger.warn({ requestId, initTimeoutMs: this.initTimeoutMs }, 'function_init_timed_out');
          return functionErrorOutcome(timeoutErrorObject(requestId, (performance.now() - started) / 1000), base());
        case 'init_exit':
          this.logger.warn({ requestId, exitCode: acquired.exitCode, outOfMemory: acquired.outOfMemory }, 'function_init_failed');
          return functionErrorOutcome(
            acquired.outOfMemory ? outOfMemoryErrorObject(requestId) : (acquired.error ?? exitErrorObject(requestId, acquired.exitCode)),
            base(),
          );
      }
      const environment = acquired.environment;
      const result = await environment.run(requestId, payload, this.definition.timeoutSeconds * 1000, {
        collectLogs: options.logType === 'Tail',
        ...(options.clientContext ? { clientContext: options.clientContext } : {}),
      });
      if (result.logs !== undefined) {
        const withLog = base;
        base = () => ({ ...withLog(), log: invocationLog(requestId, result.logs!, withLog().durationMs, this.definition.memorySizeMb) });
      }
      switch (result.kind) {
        case 'result':
          this.pool.release(environment, result.runMs);
          if (Buffer.byteLength(result.payload) > MAX_RESPONSE_PAYLOAD_BYTES) return functionErrorOutcome(responseTooLargeErrorObject(), base());
          return { kind: 'success', payload: result.payload, ...base() };
        case 'error':
          this.pool.release(environment, result.runMs);
          return functionErrorOutcome(result.error, base());
        case 'bad_request':
          this.pool.release(environment);
          return { kind: 'invoke_error', error: new InvalidRequestContentError(result.message), ...base() };
        case 'timeout':
          this.logger.warn({ requestId, timeoutSeconds: this.definition.timeoutSeconds }, 'function_timed_out');
          return functionErrorOutcome(timeoutErrorObject(requestId, this.definition.timeoutSeconds), base());
        case 'exit':
          this.logger.warn({ requestId, error: result.error }, 'function_environment_crashed');
          return functionErrorOutcome(result.error, base());
      }
    } catch (err) {
      this.logger.error({ err, requestId }, 'function_invoke_failed');
      return { kind: 'invoke_error', error: new InvokerInternalError(this.definition.name, err), ...base() };
    } finally {
      this.active--;
    }
  }
}

/** One invocation's log as Lambda writes it: START, the function's lines, END and REPORT. */
function invocationLog(requestId: string, lines: string, durationMs: number, memorySizeMb: number): string {
  return (
    `START RequestId: ${requestId} Version: ${LATEST_VERSION}\n${lines}END RequestId: ${requestId}\n` +
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${memorySizeMb} MB\t\n`
  );
}

/** Lambda's log stream name for a new execution environment: `2024/05/01/[$LATEST]<32 hex>`. */
function logStreamName(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[${LATEST_VERSION}]${randomBytes(16).toString('hex')}`;
}
