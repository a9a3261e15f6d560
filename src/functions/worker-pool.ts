import type { ExecutionEnvironment, InitResult } from './execution-environment.js';

/** An environment ready to run, or why none could be started. */
export type AcquireResult = { readonly kind: 'ready'; readonly environment: ExecutionEnvironment } | Exclude<InitResult, { readonly kind: 'ready' }>;

/**
 * The execution environments of one function, like Lambda's: one per concurrent invocation, created on demand,
 * reused while warm (the most recently used first), and reaped after `idleTimeoutMs` without work.
 */
export class WorkerPool {
  /** Idle environments; the last one is the warmest. */
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly reapTimers = new Map<ExecutionEnvironment, NodeJS.Timeout>();
  private readonly environments = new Set<ExecutionEnvironment>();
  private closed = false;

  constructor(
    private readonly create: () => ExecutionEnvironment,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Environments alive now, busy or idle. */
  get size(): number {
    return this.environments.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Takes a warm environment, or starts one and waits until its module loaded. */
  async acquire(): Promise<AcquireResult> {
    for (let environment = this.idle.pop(); environment; environment = this.idle.pop()) {
      this.cancelReap(environment);
      if (environment.alive) return { kind: 'ready', environment };
    }
    const environment = this.create();
    this.environments.add(environment);
    environment.onExit = () => this.forget(environment);
    const init = await environment.ready;
    if (init.kind === 'ready') return { kind: 'ready', environment };
    void environment.terminate();
    return init;
  }

  /** Gives back an environment after a completed invocation; a dead one, or any after close, is dropped. */
  release(environment: ExecutionEnvironment): void {
    if (!environment.alive || this.closed) {
      void environment.terminate();
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
    this.idle.length = 0;
    await Promise.all([...this.environments].map((environment) => environment.terminate()));
  }

  private forget(environment: ExecutionEnvironment): void {
    this.cancelReap(environment);
    this.environments.delete(environment);
    const index = this.idle.indexOf(environment);
    if (index !== -1) this.idle.splice(index, 1);
  }

  private cancelReap(environment: ExecutionEnvironment): void {
    const timer = this.reapTimers.get(environment);
    if (timer) clearTimeout(timer);
    this.reapTimers.delete(environment);
  }
}
