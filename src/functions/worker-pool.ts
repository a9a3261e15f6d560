import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ExecutionEnvironment, InitResult } from './execution-environment.js';

/** An environment ready to run, or why none could be started. */
export type AcquireResult = { readonly kind: 'ready'; readonly environment: ExecutionEnvironment } | Exclude<InitResult, { readonly kind: 'ready' }>;

/**
 * A new invocation that finds every environment busy waits for one of them instead of starting another when its
 * expected wait — the invocations queued before it, plus itself, times the recent average time an environment spent
 * on an event, spread over the busy environments — is at most a tenth of what starting an environment takes.
 * Starting one costs a worker thread (about 9 MB resident and 15–90 ms of CPU before the module even loads, the
 * more the busier the machine), so a no-op handler at concurrency 16 runs on a few warm environments, while a
 * handler that holds its environment longer (I/O of 20 ms, say) gets new environments at once, as on Lambda. An
 * invocation waits at most a tenth of a cold start, then starts an environment.
 *
 * The time on an event is measured inside the environment. Seen from this thread an invocation also holds its
 * environment while the answer waits for this thread to be free; another environment would wait for it just the
 * same, and when this thread was the busy one (a no-op handler at concurrency 16: 10–15 ms seen, under 1 ms
 * spent) the pool kept starting environments that only cost memory and CPU.
 */
export const START_TO_WAIT_RATIO = 10;
/** Start time of an environment assumed before the first one started, ms. */
export const ASSUMED_START_MS = 100;
/**
 * Environments that may start at once, at least: a few first invocations (a handful of SQS pollers, a few shards)
 * start in parallel as on Lambda even on a small machine; only larger bursts wait for a start or a release.
 */
export const MIN_CONCURRENT_STARTS = 4;
/** Weight of the newest invocation in the running average of invocation times. */
const AVERAGE_WEIGHT = 0.2;

interface Waiter {
  readonly resolve: (environment: ExecutionEnvironment | undefined) => void;
  /** Set when the wait is bounded; a waiter without one waits for a release or for a start slot. */
  timer?: NodeJS.Timeout;
}

/**
 * The execution environments of one function, like Lambda's: one invocation at a time per environment, created on
 * demand, reused while warm (the most recently used first), and reaped after `idleTimeoutMs` without work.
 *
 * When every environment is busy and one is expected to be released soon (see {@link START_TO_WAIT_RATIO}), an
 * invocation first waits briefly for it, and starts a new environment only if none came in time. At most as many
 * environments start at once as the machine has cores, and at least {@link MIN_CONCURRENT_STARTS} (each start keeps
 * a core busy): a burst of first invocations — 16 shards starting together — waits for the first environments,
 * and with a short handler is served by them, instead of starting 16 worker threads that slow each other down. An invocation still always runs alone in its environment; only
 * how many environments exist changes (a no-op handler at concurrency 16 runs on the four or five its first invocations started, not sixteen).
 */
export class WorkerPool {
  /** Idle environments; the last one is the warmest. */
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly reapTimers = new Map<ExecutionEnvironment, NodeJS.Timeout>();
  private readonly environments = new Set<ExecutionEnvironment>();
  /** Environments handed out. */
  private readonly busy = new Set<ExecutionEnvironment>();
  private readonly waiters: Waiter[] = [];
  /** Running average of how long an environment spent on an event, ms; undefined before the first. */
  private averageRunMs: number | undefined;
  /** Running average of how long an environment took to start (module loaded), ms. */
  private averageStartMs = ASSUMED_START_MS;
  /** Environments starting now. */
  private starting = 0;
  /** A start begun by {@link prepare} that no invocation has taken yet. */
  private unclaimedStart: Promise<AcquireResult> | undefined;
  private closed = false;

  constructor(
    private readonly create: () => ExecutionEnvironment,
    private readonly idleTimeoutMs: number,
    /** Milliseconds on a monotonic clock; tests pass their own. */
    private readonly now: () => number = () => performance.now(),
    /** Environments that may start at once: starting one keeps a core busy for 15–90 ms. */
    private readonly maxConcurrentStarts: number = Math.max(MIN_CONCURRENT_STARTS, availableParallelism()),
  ) {}

  /** Environments alive now, busy or idle. */
  get size(): number {
    return this.environments.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /**
   * Takes a warm environment, waits briefly for one when invocations are short, or starts one and waits until its
   * module loaded. While as many environments are starting as the machine has cores, it waits for a release or
   * for one of those starts to end, whichever comes first.
   */
  async acquire(): Promise<AcquireResult> {
    for (;;) {
      if (this.closed) throw new Error('the execution environments were closed while the invocation waited for one');
      const warm = this.takeIdle();
      if (warm) return this.handOut(warm);
      const prepared = this.claimPreparedStart();
      if (prepared) {
        const result = await prepared;
        if (result.kind === 'ready') return result;
        // The init that began before this invocation failed: the invocation runs an init of its own, as on Lambda.
        continue;
      }
      const expectedWaitMs = this.expectedWaitMs();
      if (expectedWaitMs !== undefined && expectedWaitMs * START_TO_WAIT_RATIO <= this.averageStartMs) {
        const released = await this.awaitRelease(this.averageStartMs / START_TO_WAIT_RATIO);
        if (released) return this.handOut(released);
        if (this.closed) continue;
      }
      if (this.starting < this.maxConcurrentStarts) return this.start();
      const released = await this.awaitRelease(undefined);
      if (released) return this.handOut(released);
    }
  }

  /**
   * Starts an environment ahead of the first invocation when there is none, as Lambda may initialise one before an
   * invocation comes: the function's module is loaded while its event source is still being read. The first
   * invocation takes it, waiting for the rest of its start; unused, it is reaped as any idle environment. If its
   * init fails, the next invocation runs one of its own, and gets that one's result.
   */
  prepare(): void {
    if (this.closed || this.environments.size > 0 || this.unclaimedStart) return;
    const start = this.start();
    this.unclaimedStart = start;
    const unclaimed = (): boolean => {
      if (this.unclaimedStart !== start) return false;
      this.unclaimedStart = undefined;
      return true;
    };
    void start.then(
      (result) => {
        if (unclaimed() && result.kind === 'ready') this.release(result.environment);
      },
      () => unclaimed(),
    );
  }

  /**
   * Gives back an environment after a completed invocation, with the time it spent on the event when the handler
   * ran (measured inside it); a dead one, or any after close, is dropped.
   */
  release(environment: ExecutionEnvironment, runMs?: number): void {
    if (this.busy.delete(environment) && runMs !== undefined) {
      this.averageRunMs = this.averageRunMs === undefined ? runMs : average(this.averageRunMs, runMs);
    }
    if (!environment.alive || this.closed) {
      void environment.terminate();
      this.wakeSlotWaiter();
      return;
    }
    const waiter = this.waiters[0];
    if (waiter) {
      this.dropWaiter(waiter, environment);
      return;
    }
    environment.unref();
    this.idle.push(environment);
    const timer = setTimeout(() => {
      this.forget(environment);
      void environment.terminate();
    }, this.idleTimeoutMs);
    timer.unref();
    this.reapTimers.set(environment, timer);
  }

  /** Terminates every environment, idle or busy, and waits until they exited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.reapTimers.values()) clearTimeout(timer);
    this.reapTimers.clear();
    for (const waiter of [...this.waiters]) this.dropWaiter(waiter, undefined);
    this.idle.length = 0;
    await Promise.all([...this.environments].map((environment) => environment.terminate()));
  }

  private claimPreparedStart(): Promise<AcquireResult> | undefined {
    const start = this.unclaimedStart;
    this.unclaimedStart = undefined;
    return start;
  }

  private takeIdle(): ExecutionEnvironment | undefined {
    for (let environment = this.idle.pop(); environment; environment = this.idle.pop()) {
      this.cancelReap(environment);
      if (environment.alive) return environment;
    }
    return undefined;
  }

  private async start(): Promise<AcquireResult> {
    const environment = this.create();
    this.environments.add(environment);
    environment.onExit = () => this.forget(environment);
    const starting = this.now();
    this.starting += 1;
    let init: InitResult;
    try {
      init = await environment.ready;
    } finally {
      this.starting -= 1;
      this.wakeSlotWaiter();
    }
    if (init.kind === 'ready') {
      this.averageStartMs = average(this.averageStartMs, this.now() - starting);
      return this.handOut(environment);
    }
    void environment.terminate();
    return init;
  }

  /** How long a new invocation would wait for a busy environment to be released; undefined when nothing is known or busy. */
  private expectedWaitMs(): number | undefined {
    if (this.averageRunMs === undefined || this.busy.size === 0) return undefined;
    return ((this.waiters.length + 1) * this.averageRunMs) / this.busy.size;
  }

  private handOut(environment: ExecutionEnvironment): AcquireResult {
    this.busy.add(environment);
    return { kind: 'ready', environment };
  }

  /**
   * Resolves with an environment as soon as one is released; with undefined after `timeoutMs`, or, without a
   * timeout, when a start ends (the caller looks again) or the pool closes.
   */
  private awaitRelease(timeoutMs: number | undefined): Promise<ExecutionEnvironment | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve };
      if (timeoutMs !== undefined) waiter.timer = setTimeout(() => this.dropWaiter(waiter, undefined), timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private dropWaiter(waiter: Waiter, environment: ExecutionEnvironment | undefined): void {
    const index = this.waiters.indexOf(waiter);
    if (index !== -1) this.waiters.splice(index, 1);
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.resolve(environment);
  }

  /**
   * A start ended or an environment is gone without being released (timeout, crash): the first invocation waiting
   * for a start slot looks again, so that no invocation waits for a release that will never come.
   */
  private wakeSlotWaiter(): void {
    const waiter = this.waiters.find((candidate) => candidate.timer === undefined);
    if (waiter) this.dropWaiter(waiter, undefined);
  }

  private forget(environment: ExecutionEnvironment): void {
    this.cancelReap(environment);
    this.environments.delete(environment);
    if (this.busy.delete(environment)) this.wakeSlotWaiter();
    const index = this.idle.indexOf(environment);
    if (index !== -1) this.idle.splice(index, 1);
  }

  private cancelReap(environment: ExecutionEnvironment): void {
    const timer = this.reapTimers.get(environment);
    if (timer) clearTimeout(timer);
    this.reapTimers.delete(environment);
  }
}

function average(current: number, sample: number): number {
  return current + AVERAGE_WEIGHT * (sample - current);
}
