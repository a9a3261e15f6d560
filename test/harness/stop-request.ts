/** Why a long-running harness program (the dev stack, the demo) was asked to stop. */
export type StopReason = NodeJS.Signals | 'parent-gone';

/** How often the parent pid is compared with the one at the start. */
const PARENT_CHECK_INTERVAL_MS = 1_000;

/**
 * Calls `onStop` on SIGINT, SIGTERM or SIGHUP, and when the parent process ends (the process is re-parented):
 * a process manager or `npm run` killed outright must not leave this program running without a terminal.
 * Returns a function that removes the handlers.
 */
export function onStopRequest(onStop: (reason: StopReason) => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onStop);
  const parent = process.ppid;
  const parentCheck = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(parentCheck);
      onStop('parent-gone');
    }
  }, PARENT_CHECK_INTERVAL_MS);
  parentCheck.unref();
  // With the terminal or the parent's pipe gone, a log line must not crash the orderly stop.
  const ignore = (): void => undefined;
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  return () => {
    clearInterval(parentCheck);
    for (const signal of signals) process.off(signal, onStop);
    process.stdout.off('error', ignore);
    process.stderr.off('error', ignore);
  };
}
