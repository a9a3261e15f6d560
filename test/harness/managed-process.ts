import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { ProcessRegistry } from './process-registry.js';

export interface ManagedProcessOptions {
  /** Short name for messages and the run file, e.g. `redis-server`. */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  /** The complete environment of the child (not merged with this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each complete stdout line (without the newline). */
  readonly onStdoutLine?: (line: string) => void;
  /** Called with each complete stderr line (without the newline). */
  readonly onStderrLine?: (line: string) => void;
  /**
   * Runs the child in its own process group, so a Ctrl-C in the terminal reaches only the parent, which then
   * stops its children in order. @defaultValue false
   */
  readonly detached?: boolean;
  /** Where the pid is recorded. @defaultValue the current run's registry, if any */
  readonly registry?: ProcessRegistry;
  /** How much of the combined output {@link ManagedProcess.output} keeps, characters. @defaultValue 65536 */
  readonly outputLimitChars?: number;
}

/** The failure to start a process at all (missing binary, bad cwd). */
export class SpawnError extends Error {
  override readonly name = 'SpawnError';
}

const DEFAULT_OUTPUT_LIMIT_CHARS = 65_536;
/** How long after the exit the output pipes may stay open before `exited` resolves anyway. */
const PIPE_CLOSE_GRACE_MS = 2_000;
/** How long {@link ManagedProcess.stop} waits after its signal before SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * A child process this harness started: its output captured (bounded), its pid recorded in the run file the
 * moment it exists, and an awaitable, idempotent {@link stop}.
 */
export class ManagedProcess {
  /** Exit code, or null when the process ended through a signal. Never rejects. */
  readonly exited: Promise<number | null>;
  private outputTail = '';
  private exitCode: number | null | undefined;
  private stopping: Promise<number | null> | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly pid: number,
    private readonly outputLimitChars: number,
  ) {
    this.exited = new Promise((resolve) => {
      // 'close' comes after the last output line; 'exit' alone could leave lines unread. A grandchild holding
      // the pipes open must not hang the caller, hence the fallback after the exit.
      child.once('close', (code) => resolve(code));
      child.once('exit', (code) => {
        this.exitCode = code;
        setTimeout(() => resolve(code), PIPE_CLOSE_GRACE_MS).unref();
      });
    });
  }

  /** Spawns the process; resolves once it runs, rejects with {@link SpawnError} if it cannot start. */
  static async start(options: ManagedProcessOptions): Promise<ManagedProcess> {
    const child = spawn(options.command, [...(options.args ?? [])], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    const registry = options.registry ?? ProcessRegistry.current();
    if (child.pid !== undefined) registry?.record(child.pid, options.name);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new SpawnError(`cannot start ${options.name} (${options.command}): ${err.message}`, { cause: err })));
    });
    const managed = new ManagedProcess(options.name, child, child.pid!, options.outputLimitChars ?? DEFAULT_OUTPUT_LIMIT_CHARS);
    // Errors after the spawn (e.g. a failed kill) are reflected by `exited`; never let them crash the runner.
    child.on('error', () => undefined);
    managed.capture(child.stdout!, options.onStdoutLine);
    managed.capture(child.stderr!, options.onStderrLine);
    return managed;
  }

  /** The last characters of stdout and stderr, interleaved as they arrived. */
  get output(): string {
    return this.outputTail;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /**
   * Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs. Returns the exit code (null after a
   * signal). Every call returns the same promise; after the exit it resolves at once.
   */
  stop(timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.stopping ??= this.stopWith(timeoutMs, signal);
    return this.stopping;
  }

  /** SIGKILL now, without waiting; a no-op once the process has exited. */
  kill(): void {
    this.signal('SIGKILL');
  }

  /** Sends a signal if the process still runs. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      this.child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /** A readable failure report: what happened and the captured output. */
  describe(what: string): string {
    const status = this.running ? 'still running' : `exited with ${this.exitCode === null ? 'a signal' : `code ${this.exitCode}`}`;
    const output = this.outputTail.trim() || '(no output)';
    return `${this.name} ${what} (pid ${this.pid}, ${status}). Output:\n${output}`;
  }

  private async stopWith(timeoutMs: number, signal: NodeJS.Signals): Promise<number | null> {
    if (!this.running) return this.exited;
    this.signal(signal);
    const timer = new AbortController();
    const exitedInTime = await Promise.race([
      this.exited.then(() => true),
      delay(timeoutMs, false, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    if (!exitedInTime) this.kill();
    return this.exited;
  }

  private capture(stream: NodeJS.ReadableStream, onLine: ((line: string) => void) | undefined): void {
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk: string) => {
      this.outputTail = (this.outputTail + chunk).slice(-this.outputLimitChars);
      if (!onLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    stream.on('end', () => {
      if (onLine && partial) onLine(partial);
      partial = '';
    });
  }
}
