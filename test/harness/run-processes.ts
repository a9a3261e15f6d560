import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY_DIR, RUN_FILE_ENV } from './process-registry.js';

/** A process identified beyond its pid, so a recycled pid is never taken for it. */
export interface ProcessIdentity {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot. */
  readonly startTime: string;
}

/**
 * The live processes started by the harness program (dev stack, demo) whose pid is `ownerPid`: its children,
 * and every process that inherited the path of its run file (`ESM_HARNESS_RUN_FILE=<dir>/<ownerPid>-…`),
 * grandchildren included. Processes of other runs are never counted. Take it while the owner runs: once it
 * is gone its children are re-parented, and a program that rewrites its title (redis-server) hides its
 * environment. Linux only (/proc).
 */
export function processesOfRun(ownerPid: number): ProcessIdentity[] {
  const marker = `${RUN_FILE_ENV}=${join(REGISTRY_DIR, `${ownerPid}-`)}`;
  const found: ProcessIdentity[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statFields(Number(entry));
    if (!stat || stat.state === 'Z') continue;
    let marked = false;
    try {
      marked = readFileSync(`/proc/${entry}/environ`, 'utf8')
        .split('\0')
        .some((variable) => variable.startsWith(marker));
    } catch {
      // Not ours to read.
    }
    if (marked || stat.ppid === ownerPid) found.push({ pid: Number(entry), startTime: stat.startTime });
  }
  return found;
}

/** Those of `processes` still running (zombies count as gone: they run nothing). */
export function stillRunning(processes: readonly ProcessIdentity[]): ProcessIdentity[] {
  return processes.filter((process) => {
    const stat = statFields(process.pid);
    return stat !== undefined && stat.state !== 'Z' && stat.startTime === process.startTime;
  });
}

function statFields(pid: number): { state: string; ppid: number; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}
