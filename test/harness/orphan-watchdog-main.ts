/**
 * The orphan watchdog (see orphan-watchdog.ts): `node orphan-watchdog-main.js <ownerPid> <registryFile>`.
 * Waits for its owner to end, then stops what the owner recorded and had no chance to stop.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ProcessRegistry } from './process-registry.js';

/** How often the owner's pid is checked, in case the pipe stays open (its end inherited somewhere). */
const OWNER_CHECK_INTERVAL_MS = 1_000;
/** How long recorded processes get after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;
const EXIT_CHECK_INTERVAL_MS = 100;

const ownerPid = Number(process.argv[2]);
const registry = ProcessRegistry.open(process.argv[3] ?? '');

function ownerAlive(): boolean {
  try {
    process.kill(ownerPid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let cleaning = false;
async function cleanUp(): Promise<void> {
  if (cleaning) return;
  cleaning = true;
  registry.killAll('SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (registry.alive().length > 0 && Date.now() < deadline) await delay(EXIT_CHECK_INTERVAL_MS);
  registry.killAll('SIGKILL');
  registry.remove();
  process.exit(0);
}

// A Ctrl-C or a terminal hang-up is for the owner, which stops its children itself.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.stdin.on('end', () => void cleanUp());
process.stdin.on('close', () => void cleanUp());
process.stdin.on('error', () => void cleanUp());
process.stdin.resume();
const ownerCheck = setInterval(() => {
  if (!ownerAlive()) {
    clearInterval(ownerCheck);
    void cleanUp();
  }
}, OWNER_CHECK_INTERVAL_MS);
