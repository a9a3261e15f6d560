/**
 * Every long-running part has `start()` and an awaitable, idempotent `stop()`.
 * `stop()` returns the same promise on every call.
 */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wraps a stop routine so that every call returns the promise of the first one. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

/** Runs each cleanup step even if an earlier one throws; returns the errors met. */
export async function runAll(steps: readonly (() => Promise<unknown> | unknown)[]): Promise<Error[]> {
  const errors: Error[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  return errors;
}

/**
 * Waits for `work` at most `ms`: true when it settled (fulfilled or rejected), false when time ran out. Never
 * rejects; `work` goes on in the background. For cleanup steps that can hang on an unreachable server.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
