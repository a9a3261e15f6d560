import type { TestProject } from 'vitest/node';
import { ProcessRegistry } from './process-registry.js';
import { selectServers, startTestStack } from './test-stack.js';

/** How long teardown waits for each server after SIGTERM before SIGKILL. */
const TEARDOWN_STOP_TIMEOUT_MS = 10_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** After a signal, how long vitest has to exit by itself. */
const SIGNAL_EXIT_GRACE_MS = 1_000;

/**
 * Vitest global setup: starts the servers of `ESM_TEST_SERVERS` (default all) once per run, in parallel, on
 * free loopback ports, and provides their endpoints as `inject('servers')`.
 *
 * No process outlives the run. Every pid (servers here, service processes spawned by test workers) is
 * recorded in a run file under the OS temp directory. Teardown stops the servers, then kills whatever else
 * is recorded. Vitest exits at once on SIGINT/SIGTERM without running teardown, so a signal kills every
 * recorded process synchronously, and so does the `exit` event. A run killed outright (SIGKILL) leaves its
 * file behind; the next setup kills those leftovers.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reaped = ProcessRegistry.reapCrashedRuns();
  if (reaped.length > 0) {
    process.stderr.write(`test harness: killed ${reaped.length} processes left by a crashed run: ${reaped.map((p) => `${p.name}(${p.pid})`).join(', ')}\n`);
  }
  const registry = ProcessRegistry.createForThisProcess();
  // The SDK's notice about future Node versions, once per process, would bury test output; workers and
  // spawned services inherit this.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const killEverything = (): void => void registry.killAll('SIGKILL');
  const onSignal = (signal: NodeJS.Signals): void => {
    killEverything();
    // Vitest's own handler exits the process within a millisecond. Should it not (its handler gone already),
    // end with the signal's default action a little later rather than keep running without servers.
    setTimeout(() => {
      removeHandlers();
      process.kill(process.pid, signal);
    }, SIGNAL_EXIT_GRACE_MS);
  };
  const removeHandlers = (): void => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('exit', killEverything);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', killEverything);

  let stack;
  try {
    stack = await startTestStack(selectServers(process.env.ESM_TEST_SERVERS));
  } catch (err) {
    killEverything();
    registry.remove();
    removeHandlers();
    throw err;
  }
  project.provide('servers', stack.servers);

  return async () => {
    try {
      await stack.stop(TEARDOWN_STOP_TIMEOUT_MS);
    } finally {
      // Service processes a test forgot to stop, or that a worker killed mid-test could not.
      killEverything();
      registry.remove();
      removeHandlers();
    }
  };
}
