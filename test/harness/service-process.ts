import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { serviceEnv } from './aws-clients.js';
import { freePort } from './free-port.js';
import { DEFAULT_STOP_TIMEOUT_MS, ManagedProcess } from './managed-process.js';
import { REPO_ROOT } from './repo-root.js';
import type { TestServers } from './servers.js';
import { isMap, parseDocument } from 'yaml';
import { uniqueName } from './unique-name.js';

/** The compiled CLI, run exactly as users run it. */
export const CLI_PATH = join(REPO_ROOT, 'dist/cli.js');

/** Deadline for `/readyz` to answer 200 after the spawn. */
export const SERVICE_READY_TIMEOUT_MS = 30_000;
/** Deadline for a `runCli` command. */
export const CLI_TIMEOUT_MS = 30_000;
const READY_POLL_INTERVAL_MS = 100;
/** Attempts with a new port when the service could not bind the one picked for it. */
const START_ATTEMPTS = 3;

export interface StartServiceOptions {
  /**
   * The configuration file's text (YAML). Without `redis.keyPrefix` the service gets a prefix of its own, so
   * services of different tests on the shared Redis never see each other's mappings; services that must share a
   * fleet name one prefix.
   */
  readonly config: string;
  /** Extra environment, over this process's environment and {@link serviceEnv}. */
  readonly env?: Record<string, string>;
  readonly servers: TestServers;
  /** Extra arguments after `start --config FILE --port N`. */
  readonly args?: readonly string[];
  /** Options for node itself, before the script (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** @defaultValue {@link SERVICE_READY_TIMEOUT_MS} */
  readonly readyTimeoutMs?: number;
  /** Pause between two `GET /readyz` probes; the benchmark probes often to time readiness closely. @defaultValue 100 */
  readonly readyPollIntervalMs?: number;
}

/** A service process started by a test. */
export interface RunningService {
  /** `http://127.0.0.1:<port>`: Lambda API, /metrics, /healthz, /readyz. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** stdout lines parsed as JSON log records, in order (lines that are not JSON are in {@link stdout}). */
  readonly logs: Record<string, unknown>[];
  /** Raw stdout so far. */
  readonly stdout: string;
  /** Raw stderr so far. */
  readonly stderr: string;
  /** The configuration file written for this service. */
  readonly configFile: string;
  /** Exit code, or null when ended by a signal. */
  readonly exited: Promise<number | null>;
  /** Sends `signal`, waits up to `timeoutMs`, then SIGKILLs; resolves with the exit code. Idempotent. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** SIGKILL now (a crash); a no-op once exited. */
  kill(): void;
}

/** The service did not become ready; the message carries its output. */
export class ServiceStartError extends Error {
  override readonly name = 'ServiceStartError';
}

/**
 * Writes `config` to a temporary file and runs `node dist/cli.js start --config FILE --port N` from the
 * repository root with the environment of this run's servers, then waits until `GET /readyz` answers 200.
 * The pid is recorded in the run file, so the run's teardown kills a service a test failed to stop.
 */
export async function startService(options: StartServiceOptions): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'esm-service-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, withOwnKeyPrefix(options.config));
  const env = { ...process.env, ...serviceEnv(options.servers), ...options.env };
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logs: Record<string, unknown>[] = [];
    let stdout = '';
    let stderr = '';
    const child = await ManagedProcess.start({
      name: 'esm-poller',
      command: process.execPath,
      args: [...(options.nodeArgs ?? []), CLI_PATH, 'start', '--config', configFile, '--port', String(port), ...(options.args ?? [])],
      cwd: REPO_ROOT,
      env,
      onStdoutLine: (line) => {
        stdout += `${line}\n`;
        const record = parseLogLine(line);
        if (record) logs.push(record);
      },
      onStderrLine: (line) => {
        stderr += `${line}\n`;
      },
    });
    void child.exited.then(() => rmSync(dir, { recursive: true, force: true }));
    const url = `http://127.0.0.1:${port}`;
    const ready = await awaitReady(child, url, options.readyTimeoutMs ?? SERVICE_READY_TIMEOUT_MS, options.readyPollIntervalMs ?? READY_POLL_INTERVAL_MS);
    if (ready !== true) {
      await child.stop(2_000, 'SIGKILL');
      if (ready === 'port-taken' && attempt < START_ATTEMPTS) continue;
      throw new ServiceStartError(child.describe(ready === 'timeout' ? 'did not answer GET /readyz with 200 in time' : 'exited before it was ready'));
    }
    return {
      url,
      port,
      pid: child.pid,
      logs,
      get stdout() {
        return stdout;
      },
      get stderr() {
        return stderr;
      },
      configFile,
      exited: child.exited,
      stop: (signal: NodeJS.Signals = 'SIGTERM', timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS) => child.stop(timeoutMs, signal),
      kill: () => child.kill(),
    };
  }
}

async function awaitReady(child: ManagedProcess, url: string, timeoutMs: number, intervalMs: number): Promise<true | 'exited' | 'port-taken' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.running) return /EADDRINUSE/.test(child.output) ? 'port-taken' : 'exited';
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await delay(intervalMs);
  }
  return child.running ? 'timeout' : 'exited';
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface CliResult {
  /** Exit code, or null when the command was killed (by a signal or the deadline). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node dist/cli.js <args>` from the repository root and collects its output; for `validate`,
 * `--help` and configuration errors. Killed after {@link CLI_TIMEOUT_MS}.
 */
export async function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs: number = CLI_TIMEOUT_MS): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const child = await ManagedProcess.start({
    name: 'esm-poller-cli',
    command: process.execPath,
    args: [CLI_PATH, ...args],
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    onStdoutLine: (line) => {
      stdout += `${line}\n`;
    },
    onStderrLine: (line) => {
      stderr += `${line}\n`;
    },
  });
  const timer = new AbortController();
  void delay(timeoutMs, undefined, { signal: timer.signal }).then(
    () => child.kill(),
    () => undefined,
  );
  const code = await child.exited;
  timer.abort();
  return { code, stdout, stderr };
}

/** The configuration with a key prefix of its own in `redis:` when it names none (see StartServiceOptions.config). */
function withOwnKeyPrefix(config: string): string {
  const document = parseDocument(config);
  // A file a test made invalid on purpose is left as it is.
  if (document.errors.length > 0 || (document.contents !== null && !isMap(document.contents))) return config;
  if (document.hasIn(['redis', 'keyPrefix'])) return config;
  try {
    document.setIn(['redis', 'keyPrefix'], uniqueName('t-svc'));
  } catch {
    return config; // `redis:` is not a map
  }
  return document.toString();
}
