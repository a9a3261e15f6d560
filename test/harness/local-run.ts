import { installAdvice, missingPrograms } from './prerequisites.js';
import { ProcessRegistry } from './process-registry.js';
import { startOrphanWatchdog } from './orphan-watchdog.js';
import type { ServerName } from './servers.js';

/** What a run for people (the dev stack, the demo) prepared before starting servers. */
export interface LocalRun {
  /** Where every process the run starts is recorded; the watchdog stops them if the run dies. */
  readonly registry: ProcessRegistry;
  /** The servers to start: the requested ones less those whose program is missing but optional. */
  readonly servers: readonly ServerName[];
  /** Requested servers left out, each because its program is missing. */
  readonly skipped: readonly ServerName[];
}

/**
 * Prepares a run for people: stops what a crashed run left behind, checks the programs the servers need
 * (Redis is required; DynamoDB Local, the only one needing java, is left out with a note when java is
 * missing), creates this process's run file and starts the orphan watchdog on it. Without Redis it says what
 * to install and returns undefined: the run cannot go on.
 */
export function prepareLocalRun(requested: readonly ServerName[], say: (line: string) => void): LocalRun | undefined {
  ProcessRegistry.reapCrashedRuns();
  const missing = missingPrograms(requested);
  const required = missing.filter((entry) => entry.servers.includes('redis'));
  if (required.length > 0) {
    for (const line of installAdvice(missing)) say(line);
    return undefined;
  }
  const skipped = missing.flatMap((entry) => entry.servers);
  if (skipped.length > 0) {
    for (const line of installAdvice(missing)) say(line);
    say(`running without ${skipped.join(', ')} (DynamoDB Local needs java); install it to get DynamoDB Streams too`);
  }
  // The SDK's notice that Node 20 support ends (documented switch); spawned services inherit it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const registry = ProcessRegistry.createForThisProcess();
  startOrphanWatchdog(registry);
  return { registry, servers: requested.filter((name) => !skipped.includes(name)), skipped };
}

/** The port number in environment variable `variable`, or undefined when it is unset or empty. */
export function portFromEnv(variable: string): number | undefined {
  const value = process.env[variable];
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${variable}: "${value}" is not a port number`);
  return port;
}
