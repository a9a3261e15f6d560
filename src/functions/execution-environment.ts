import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { exitErrorObject, outOfMemoryErrorObject, type LambdaErrorObject } from './function-error.js';
import type { HandlerWorkerData, ParentMessage, WorkerMessage } from './handler-worker-protocol.js';
import type { Logger } from '../observability/logger.js';
import type { LogLevel } from '../config/service-config.js';

/** The compiled worker entry, next to this file. */
const HANDLER_WORKER_URL = new URL('./handler-worker.js', import.meta.url);
/** Young generation given to a worker: a sixteenth of its memory, between 4 and 64 MB. */
const MIN_YOUNG_GENERATION_MB = 4;
const MAX_YOUNG_GENERATION_MB = 64;

/** How starting an environment ended. */
export type InitResult =
  | { readonly kind: 'ready' }
  /** The module failed to load or the export is not a function. */
  | { readonly kind: 'init_error'; readonly error: LambdaErrorObject }
  /** Loading took longer than the init limit; the worker was terminated. */
  | { readonly kind: 'init_timeout' }
  /** The worker died while loading; build the error with the request id. */
  | { readonly kind: 'init_exit'; readonly exitCode: number; readonly outOfMemory: boolean; readonly error?: LambdaErrorObject };

/** How one invocation in this environment ended. */
export type RunResult = RunOutcome & {
  /** What the handler logged during the run, as Lambda's log lines; only when the run collected logs. */
  readonly logs?: string;
};

type RunOutcome =
  /** `runMs`: how long the environment spent on the event, measured inside it (no wait for this thread counted). */
  | { readonly kind: 'result'; readonly payload: string; readonly runMs: number }
  /** The handler failed; the environment is still usable. */
  | { readonly kind: 'error'; readonly error: LambdaErrorObject; readonly runMs: number }
  /** The event was not JSON; the handler did not run. */
  | { readonly kind: 'bad_request'; readonly message: string }
  /** The invocation ran past its timeout; the worker was terminated. */
  | { readonly kind: 'timeout' }
  /** The worker died during the invocation (crash, exit, out of memory); `error` names the cause. */
  | { readonly kind: 'exit'; readonly error: LambdaErrorObject };

export interface ExecutionEnvironmentOptions {
  readonly data: HandlerWorkerData;
  readonly memorySizeMb: number;
  /** Longest time the module may take to load, milliseconds. */
  readonly initTimeoutMs: number;
  readonly logger: Logger;
  /** Level of the `function_log` events that carry what the handler prints (`log.functionOutput`). */
  readonly outputLevel: LogLevel;
}

interface PendingRun {
  readonly requestId: string;
  readonly resolve: (result: RunResult) => void;
  readonly timer: NodeJS.Timeout;
  /** Log lines of this run, when collected (`X-Amz-Log-Type: Tail`). */
  readonly logs?: string[];
}

/** Options of one run. */
export interface RunOptions {
  /** Collect what the handler logs during the run into the result's `logs`. */
  readonly collectLogs?: boolean;
  readonly clientContext?: Readonly<Record<string, unknown>>;
}

/**
 * One Lambda-like execution environment: a worker thread with the handler module loaded, running one invocation
 * at a time. A timed-out invocation terminates the worker, so a runaway handler never keeps running. An
 * environment that exited is not reused (`alive` turns false).
 */
export class ExecutionEnvironment {
  /** Resolves once the module loaded or failed to. */
  readonly ready: Promise<InitResult>;
  private readonly worker: Worker;
  private readonly logger: Logger;
  private resolveInit?: (result: InitResult) => void;
  private initTimer?: NodeJS.Timeout;
  private pending?: PendingRun;
  /** Request id that console output without one of its own is attributed to. */
  private lastRequestId?: string;
  private fatalError?: LambdaErrorObject;
  private outOfMemory = false;
  private exited = false;
  private exitCode?: number;
  private readonly exitPromise: Promise<void>;
  private terminatePromise?: Promise<void>;
  /** Called once when the worker exits, whatever the reason. */
  onExit?: () => void;

  constructor(private readonly options: ExecutionEnvironmentOptions) {
    this.logger = options.logger.child({ logStreamName: options.data.logStreamName });
    const youngGenerationMb = Math.min(MAX_YOUNG_GENERATION_MB, Math.max(MIN_YOUNG_GENERATION_MB, Math.floor(options.memorySizeMb / 16)));
    this.worker = new Worker(HANDLER_WORKER_URL, {
      workerData: options.data,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: options.memorySizeMb, maxYoungGenerationSizeMb: youngGenerationMb },
    });
    this.ready = new Promise<InitResult>((resolve) => {
      this.resolveInit = resolve;
      this.initTimer = setTimeout(() => {
        this.settleInit({ kind: 'init_timeout' });
        void this.terminate();
      }, options.initTimeoutMs);
    });
    this.exitPromise = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    this.worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') this.outOfMemory = true;
      else this.logger.warn({ err }, 'function_environment_error');
    });
    this.worker.on('exit', (exitCode: number) => this.onWorkerExit(exitCode));
    this.pipeLines(this.worker.stdout, 'stdout');
    this.pipeLines(this.worker.stderr, 'stderr');
  }

  /** False once the worker exited or is being terminated. */
  get alive(): boolean {
    return !this.exited && this.terminatePromise === undefined;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Runs one invocation. Never rejects; a timeout or a crash ends it and this environment. */
  run(requestId: string, payload: string, timeoutMs: number, options: RunOptions = {}): Promise<RunResult> {
    if (this.pending) throw new Error(`execution environment ${this.options.data.logStreamName} is busy`);
    if (!this.alive) return Promise.resolve({ kind: 'exit', error: exitErrorObject(requestId, this.exitCode ?? 0) });
    this.lastRequestId = requestId;
    this.worker.ref();
    return new Promise<RunResult>((resolve) => {
      const timer = setTimeout(() => {
        this.finishRun({ kind: 'timeout' });
        void this.terminate();
      }, timeoutMs);
      this.pending = { requestId, resolve, timer, ...(options.collectLogs ? { logs: [] } : {}) };
      const message: ParentMessage = {
        type: 'invoke',
        requestId,
        payload,
        deadlineMs: Date.now() + timeoutMs,
        ...(options.clientContext ? { clientContext: options.clientContext } : {}),
      };
      this.worker.postMessage(message);
    });
  }

  /** Idle environments do not keep the process alive. */
  unref(): void {
    this.worker.unref();
  }

  /** Terminates the worker; resolves once it exited. Idempotent. */
  terminate(): Promise<void> {
    this.terminatePromise ??= this.exited
      ? Promise.resolve()
      : this.worker.terminate().then(
          () => this.exitPromise,
          () => this.exitPromise,
        );
    return this.terminatePromise;
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        this.settleInit({ kind: 'ready' });
        return;
      case 'init_error':
        this.settleInit({ kind: 'init_error', error: message.error });
        void this.terminate();
        return;
      case 'result':
        if (this.pending?.requestId === message.requestId) this.finishRun({ kind: 'result', payload: message.payload, runMs: message.runMs });
        return;
      case 'error':
        if (this.pending?.requestId === message.requestId) this.finishRun({ kind: 'error', error: message.error, runMs: message.runMs });
        return;
      case 'bad_request':
        if (this.pending?.requestId === message.requestId) this.finishRun({ kind: 'bad_request', message: message.message });
        return;
      case 'fatal':
        // The worker exits right after; the exit handler reports this error for the running invocation.
        this.fatalError = message.error;
        if (!this.pending) this.logger.warn({ error: message.error }, 'function_environment_crashed_idle');
        return;
      case 'log':
        // The Node.js runtime's line format: timestamp, request id, level, message.
        this.pending?.logs?.push(`${new Date().toISOString()}\t${message.requestId ?? this.pending.requestId}\t${message.level}\t${message.text}\n`);
        this.logOutput({ requestId: message.requestId ?? this.lastRequestId, logLevel: message.level, text: message.text });
        return;
    }
  }

  private onWorkerExit(exitCode: number): void {
    this.exited = true;
    this.exitCode = exitCode;
    if (this.initTimer) clearTimeout(this.initTimer);
    this.settleInit({ kind: 'init_exit', exitCode, outOfMemory: this.outOfMemory, ...(this.fatalError ? { error: this.fatalError } : {}) });
    if (this.pending) {
      const requestId = this.pending.requestId;
      const error = this.outOfMemory ? outOfMemoryErrorObject(requestId) : (this.fatalError ?? exitErrorObject(requestId, exitCode));
      this.finishRun({ kind: 'exit', error });
    }
    if (this.terminatePromise === undefined) {
      this.logger.debug({ exitCode, outOfMemory: this.outOfMemory }, 'function_environment_exited');
    }
    this.onExit?.();
  }

  private settleInit(result: InitResult): void {
    if (this.initTimer) clearTimeout(this.initTimer);
    const resolve = this.resolveInit;
    this.resolveInit = undefined;
    resolve?.(result);
  }

  private finishRun(result: RunResult): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve(pending.logs ? { ...result, logs: pending.logs.join('') } : result);
  }

  /** Raw writes of the handler to stdout/stderr become `function_log` events, one per line. */
  private pipeLines(stream: Readable, name: 'stdout' | 'stderr'): void {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (text) => {
      this.pending?.logs?.push(`${text}\n`);
      this.logOutput({ requestId: this.pending?.requestId ?? this.lastRequestId, stream: name, text });
    });
  }

  /** One line of the handler's output, tagged like Lambda's log stream: function, stream name, request id. */
  private logOutput(fields: { requestId: string | undefined; text: string; logLevel?: string; stream?: 'stdout' | 'stderr' }): void {
    this.logger[this.options.outputLevel]({ functionName: this.options.data.functionName, ...fields }, 'function_log');
  }
}
