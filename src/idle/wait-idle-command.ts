/** Longest single request; a longer wait is made of several (each well under HTTP clients' header timeouts). */
const REQUEST_SLICE_MS = 60_000;

export interface WaitIdleCommandOptions {
  /** Every replica to wait for (each answers for the work it does). */
  readonly endpoints: readonly string[];
  readonly uuid?: string;
  readonly functionName?: string;
  readonly timeoutMs: number;
  readonly write: (line: string) => void;
}

/**
 * `esm-poller wait-idle`: asks each replica's `POST /_esm/wait-idle` until all are idle or the timeout passes.
 * @returns true when every replica answered idle
 */
export async function runWaitIdleCommand(options: WaitIdleCommandOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  const results = await Promise.all(options.endpoints.map((endpoint) => waitOne(endpoint, options, deadline)));
  return results.every(Boolean);
}

async function waitOne(endpoint: string, options: WaitIdleCommandOptions, deadline: number): Promise<boolean> {
  for (;;) {
    const sliceMs = Math.max(0, Math.min(REQUEST_SLICE_MS, deadline - Date.now()));
    const url = new URL('/_esm/wait-idle', endpoint);
    if (options.uuid) url.searchParams.set('UUID', options.uuid);
    if (options.functionName) url.searchParams.set('FunctionName', options.functionName);
    url.searchParams.set('timeoutMs', String(sliceMs));
    const response = await fetch(url, { method: 'POST' });
    const body = (await response.json()) as { message?: string; Message?: string; waitedMs?: number };
    if (response.status === 200) {
      options.write(`${endpoint}: idle`);
      return true;
    }
    if (response.status !== 408) throw new Error(`${endpoint}: HTTP ${response.status}: ${body.message ?? body.Message ?? ''}`);
    if (Date.now() >= deadline) {
      options.write(`${endpoint}: ${body.message ?? 'not idle'}`);
      return false;
    }
  }
}
