import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../harness/free-port.js';
import { processesOfRun } from '../../harness/run-processes.js';
import { waitFor } from '../../harness/wait-for.js';
import { leftoversOf, pathWithOnly, startLocalRun, type LocalRunProcess } from './local-run-fixture.js';

const DEV_STACK = 'dist/test/harness/dev-stack.js';
const STARTED_TIMEOUT_MS = 45_000;
const STOPPED_TIMEOUT_MS = 20_000;

describe('npm run dev', () => {
  const cleanups: (() => void)[] = [];
  let run: LocalRunProcess | undefined;

  afterEach(async () => {
    await run?.process.stop(5_000, 'SIGKILL');
    run = undefined;
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('says what to install when redis-server is missing, without a stack trace', async () => {
    const path = pathWithOnly([]);
    cleanups.push(path.remove);
    run = await startLocalRun(DEV_STACK, { PATH: path.path });

    expect(await run.process.exited).toBe(1);
    expect(run.output()).toContain('[dev-stack] missing on the PATH: redis-server, java. Install with:');
    expect(run.output()).toContain('sudo apt-get install redis-server default-jre-headless');
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('runs without DynamoDB Local when java is missing, and SIGTERM stops every process it started', async () => {
    const path = pathWithOnly(['redis-server']);
    cleanups.push(path.remove);
    const port = await freePort();
    run = await startLocalRun(DEV_STACK, { PATH: path.path, DEV_SERVICE_PORT: String(port) });
    const pid = run.process.pid;

    await waitFor(() => run!.output().includes('"msg":"service_started"'), { timeoutMs: STARTED_TIMEOUT_MS, message: 'the dev stack did not start the service' });
    expect(run.output()).toContain('missing on the PATH: java');
    expect(run.output()).toContain('running without dynamodb');
    // Commands for either AWS CLI version: blobs from a file, the region variable both read.
    expect(run.output()).toContain('--data fileb:///tmp/click.json');
    expect(run.output()).toContain('AWS_DEFAULT_REGION=us-east-1');
    expect(run.output()).not.toContain('--cli-binary-format');
    // The SDK's notice that its releases after January 2027 need Node 22, switched off by its documented variable.
    expect(run.output()).not.toContain('NodeVersionSupportWarning');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    // redis-server, fauxqs, kinesis-local, the service and the watchdog.
    const started = processesOfRun(pid);
    expect(started).toHaveLength(5);

    run.process.signal('SIGTERM');
    expect(await run.process.exited).toBe(0);
    expect(run.output()).toContain('[dev-stack] stopped');
    expect(await leftoversOf(started, STOPPED_TIMEOUT_MS)).toEqual([]);
  });

  it('stops everything when its parent process ends (a process manager killed outright)', async () => {
    const path = pathWithOnly(['redis-server']);
    cleanups.push(path.remove);
    const port = await freePort();
    // A shell stands for `npm run dev`: it runs the dev stack in the background and is then killed.
    run = await startLocalRun('/bin/sh', { PATH: path.path, DEV_SERVICE_PORT: String(port) }, [
      '-c',
      `"${process.execPath}" ${DEV_STACK} & echo "dev-stack pid $!"; wait`,
    ]);
    const pid = Number((await waitFor(() => /dev-stack pid (\d+)/.exec(run!.output())))[1]);
    await waitFor(() => run!.output().includes('"msg":"service_started"'), { timeoutMs: STARTED_TIMEOUT_MS, message: 'the dev stack did not start the service' });
    const started = [...processesOfRun(pid), ...processesOfRun(run.process.pid).filter((entry) => entry.pid === pid)];
    expect(started).toHaveLength(6);

    run.process.kill();
    await waitFor(() => run!.output().includes('[dev-stack] the parent process ended: stopping the service, then the servers'), { timeoutMs: 10_000 });
    expect(await leftoversOf(started, STOPPED_TIMEOUT_MS)).toEqual([]);
    expect(run.output()).toContain('[dev-stack] stopped');
  });
});
