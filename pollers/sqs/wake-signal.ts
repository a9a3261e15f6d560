/**
 * Wakes waiters when something they wait for may have changed (a poller finished collecting, an invocation
 * slot was freed). Waiting is abortable and bounded, so a missed wake-up only costs `timeoutMs`.
 */
export class WakeSignal {
  private waiters = new Set<() => void>();

  /** Resolves on the next {@link notify}, after `timeoutMs`, or when `signal` aborts — whichever comes first. */
  wait(signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  /** Wakes every current waiter. */
  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}
