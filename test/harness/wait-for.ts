import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up after this long. @defaultValue 20000 */
  readonly timeoutMs?: number;
  /** Pause between two probes. @defaultValue 50 */
  readonly intervalMs?: number;
  /** Says what was awaited; starts the error thrown on the deadline. */
  readonly message?: string;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 20_000;
export const DEFAULT_WAIT_INTERVAL_MS = 50;

/** Thrown by {@link waitFor} when the deadline passes; `cause` is the probe's last error, if it threw. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/**
 * Polls `probe` until it returns a truthy value, and returns that value. A probe that throws counts as "not
 * yet". On the deadline throws {@link WaitTimeoutError} with `message`, the time waited and the last error.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      lastValue = value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const what = options.message ?? 'condition not met';
  const last = lastError !== undefined ? `last error: ${describe(lastError)}` : `last value: ${describe(lastValue)}`;
  throw new WaitTimeoutError(`${what} (waited ${timeoutMs} ms; ${last})`, lastError !== undefined ? { cause: lastError } : undefined);
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
