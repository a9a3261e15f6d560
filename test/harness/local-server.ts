import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { DEFAULT_STOP_TIMEOUT_MS, ManagedProcess, type ManagedProcessOptions } from './managed-process.js';
import type { ProcessRegistry } from './process-registry.js';

/** A server process started by the harness and ready to answer. */
export interface LocalServer {
  readonly name: string;
  readonly port: number;
  /** What clients connect to: `redis://127.0.0.1:<port>` or `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly process: ManagedProcess;
  /** SIGTERM, then SIGKILL after `timeoutMs`; idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Options every `start…Server()` accepts. */
export interface LocalServerOptions {
  /** Listen on this port instead of a free one (then a failed start is not retried). */
  readonly port?: number;
  /** @defaultValue the current run's registry */
  readonly registry?: ProcessRegistry;
  /** Own process group (for the dev stack, so Ctrl-C reaches only the parent). @defaultValue false */
  readonly detached?: boolean;
  /** Deadline for readiness. @defaultValue the server's own */
  readonly readyTimeoutMs?: number;
}

/** How one kind of server is launched and probed. */
export interface LocalServerSpec {
  readonly name: string;
  /** Ports besides the main one that must be free (e.g. kinesis-mock's TLS port). @defaultValue 0 */
  readonly extraPorts?: number;
  readonly launch: (port: number, extraPorts: readonly number[]) => Omit<ManagedProcessOptions, 'name' | 'registry' | 'detached'>;
  readonly url: (port: number) => string;
  /** One real request against the server; throws while it is not ready. */
  readonly probe: (url: string) => Promise<void>;
  readonly readyTimeoutMs: number;
}

/** A server that did not become ready; the message carries its captured output. */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
  constructor(
    message: string,
    /** True when the process exited before it was ready (e.g. its port was taken meanwhile). */
    readonly exitedEarly: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Attempts with new free ports when a server exits during its start (a port taken between pick and bind). */
const START_ATTEMPTS = 3;
const PROBE_INTERVAL_MS = 100;
const CONNECT_TIMEOUT_MS = 1_000;

/** Starts a server and resolves once it answers a real request; on failure nothing is left running. */
export async function startLocalServer(spec: LocalServerSpec, options: LocalServerOptions = {}): Promise<LocalServer> {
  const attempts = options.port === undefined ? START_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const extra: number[] = [];
    for (let i = 0; i < (spec.extraPorts ?? 0); i++) extra.push(await freePort());
    const child = await ManagedProcess.start({
      ...spec.launch(port, extra),
      name: spec.name,
      registry: options.registry,
      detached: options.detached,
    });
    const url = spec.url(port);
    try {
      await awaitReady(child, port, url, spec.probe, options.readyTimeoutMs ?? spec.readyTimeoutMs);
    } catch (err) {
      await child.stop(2_000);
      if (err instanceof ServerStartError && err.exitedEarly && attempt < attempts) continue;
      throw err;
    }
    return {
      name: spec.name,
      port,
      url,
      process: child,
      stop: async (timeoutMs = DEFAULT_STOP_TIMEOUT_MS) => {
        await child.stop(timeoutMs);
      },
    };
  }
}

async function awaitReady(child: ManagedProcess, port: number, url: string, probe: (url: string) => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (!child.running) {
      throw new ServerStartError(child.describe(`exited before it was ready on port ${port}`), true, { cause: lastError });
    }
    try {
      await portAccepts(port);
      await probe(url);
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await delay(PROBE_INTERVAL_MS);
  }
  const last = lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
  throw new ServerStartError(child.describe(`not ready after ${timeoutMs} ms on port ${port} (last probe: ${last})`), false, { cause: lastError });
}

/** Resolves when a TCP connection to 127.0.0.1:`port` succeeds. */
export function portAccepts(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`connect to port ${port} timed out`)));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}
