import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProcessRegistry } from './process-registry.js';

/** The watchdog's entry, compiled beside this file. */
const WATCHDOG_MAIN = fileURLToPath(new URL('./orphan-watchdog-main.js', import.meta.url));

/**
 * Starts a small process that outlives this one only to clean up after it: when this process ends in any way,
 * SIGKILL included, the watchdog sees its stdin pipe close (and, as a fallback, the pid gone) and stops every
 * process recorded in `registry` — SIGTERM, then SIGKILL after a grace period. An orderly stop removes the
 * registry file first, which leaves the watchdog nothing to do. It runs in its own process group, so a Ctrl-C
 * meant for this process does not reach it, and it never keeps this process alive.
 */
export function startOrphanWatchdog(registry: ProcessRegistry): void {
  const child = spawn(process.execPath, [WATCHDOG_MAIN, String(process.pid), registry.file], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  child.unref();
  // The pipe must not keep the event loop alive; the watchdog only waits for it to close.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
}
