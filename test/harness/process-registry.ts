import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Environment variable naming the run file of the current vitest run; set by the global setup. */
export const RUN_FILE_ENV = 'ESM_HARNESS_RUN_FILE';

/** Directory holding one run file per harness owner (a vitest run or a dev stack). */
export const REGISTRY_DIR = join(tmpdir(), 'esm-poller-harness');

/** One spawned process as written to a run file. */
export interface RecordedProcess {
  readonly pid: number;
  /** Start time from /proc, so a recycled pid is never mistaken for ours; empty where /proc is missing. */
  readonly startTime: string;
  readonly name: string;
}

/**
 * The file of PIDs that one owner (a vitest run, a dev stack) spawned: one JSON line per process, appended
 * synchronously right after the spawn, by the owner or by its test workers (which find the file through
 * {@link RUN_FILE_ENV}). The owner kills them all on teardown or on a signal; a later owner kills what a
 * crashed one left behind ({@link ProcessRegistry.reapCrashedRuns}). Runs of other people on the same machine
 * are left alone: only files whose owner process is gone are reaped.
 */
export class ProcessRegistry {
  private constructor(readonly file: string) {}

  /** A new run file owned by this process; also exported to child processes through {@link RUN_FILE_ENV}. */
  static createForThisProcess(): ProcessRegistry {
    mkdirSync(REGISTRY_DIR, { recursive: true });
    const registry = new ProcessRegistry(join(REGISTRY_DIR, runFileName(process.pid, processStartTime(process.pid))));
    appendFileSync(registry.file, '');
    process.env[RUN_FILE_ENV] = registry.file;
    return registry;
  }

  /** The registry kept in `file`, e.g. one whose owner handed its path to a watchdog. */
  static open(file: string): ProcessRegistry {
    return new ProcessRegistry(file);
  }

  /** The registry of the run this process belongs to, or undefined outside a harness run. */
  static current(): ProcessRegistry | undefined {
    const file = process.env[RUN_FILE_ENV];
    return file ? new ProcessRegistry(file) : undefined;
  }

  /** Kills the processes of every run file whose owner is no longer running, and deletes those files. */
  static reapCrashedRuns(): RecordedProcess[] {
    let files: string[];
    try {
      files = readdirSync(REGISTRY_DIR);
    } catch {
      return [];
    }
    const reaped: RecordedProcess[] = [];
    for (const name of files) {
      const owner = /^(\d+)-(\d*)\.jsonl$/.exec(name);
      if (!owner) continue;
      if (isSameProcess(Number(owner[1]), owner[2] ?? '')) continue;
      const registry = new ProcessRegistry(join(REGISTRY_DIR, name));
      reaped.push(...registry.killAll('SIGKILL'));
      registry.remove();
    }
    return reaped;
  }

  /** Appends a process; synchronous so that no signal can arrive between the spawn and the record. */
  record(pid: number, name: string): void {
    const entry: RecordedProcess = { pid, startTime: processStartTime(pid), name };
    try {
      appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    } catch {
      // The owner already removed its file (late teardown); the process is still stopped by its own handle.
    }
  }

  /** Recorded processes that are still the very processes that were recorded. */
  alive(): RecordedProcess[] {
    return this.entries().filter((entry) => isSameProcess(entry.pid, entry.startTime));
  }

  /** Sends `signal` to every recorded process still alive; synchronous (safe in `exit` and signal handlers). */
  killAll(signal: NodeJS.Signals = 'SIGKILL'): RecordedProcess[] {
    const killed: RecordedProcess[] = [];
    for (const entry of this.alive()) {
      try {
        process.kill(entry.pid, signal);
        killed.push(entry);
      } catch {
        // Exited in between.
      }
    }
    return killed;
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }

  private entries(): RecordedProcess[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const entries: RecordedProcess[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as RecordedProcess;
        if (Number.isInteger(entry.pid) && entry.pid > 0) entries.push(entry);
      } catch {
        // A torn line from a crash mid-write.
      }
    }
    return entries;
  }
}

function runFileName(pid: number, startTime: string): string {
  return `${pid}-${startTime}.jsonl`;
}

/** Field 22 of /proc/<pid>/stat (clock ticks after boot); '' when unknown. */
function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

function isSameProcess(pid: number, startTime: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const current = processStartTime(pid);
  // A zombie or a process without /proc: trust the pid only when no start time was recorded either.
  if (current === '' || startTime === '') return current === startTime || startTime === '';
  return current === startTime;
}
