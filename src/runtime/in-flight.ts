/** Tracks work still running, so that a `close()` can wait for it to finish. */
export class InFlight<T> {
  private readonly running = new Set<Promise<T>>();

  /** Registers `promise` until it settles, and returns it unchanged. */
  track(promise: Promise<T>): Promise<T> {
    this.running.add(promise);
    const forget = () => this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves once everything tracked now has settled (never rejects). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
