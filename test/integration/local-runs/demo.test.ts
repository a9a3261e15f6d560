import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, sumOf } from '../../../examples/demo/prometheus-text.js';
import { freePort } from '../../harness/free-port.js';
import { processesOfRun } from '../../harness/run-processes.js';
import { waitFor } from '../../harness/wait-for.js';
import { leftoversOf, startLocalRun, type LocalRunProcess } from './local-run-fixture.js';

const DEMO = 'dist/examples/demo/demo.js';
/** The promise: records from every source within a minute of `npm run demo`. */
const FLOWING_TIMEOUT_MS = 60_000;
const STOPPED_TIMEOUT_MS = 30_000;
const SOURCES = ['sqs', 'kinesis', 'dynamodb'] as const;

async function startDemo(): Promise<{ run: LocalRunProcess; serviceUrl: string; started: number }> {
  const started = Date.now();
  const port = await freePort();
  const run = await startLocalRun(DEMO, { DEMO_PORT: String(port) });
  const serviceUrl = `http://127.0.0.1:${port}`;
  await waitFor(() => run.output().includes(`[demo] Lambda API ${serviceUrl}   metrics ${serviceUrl}/metrics`), {
    timeoutMs: FLOWING_TIMEOUT_MS,
    message: 'the demo did not print where the API and /metrics are',
  });
  return { run, serviceUrl, started };
}

describe('npm run demo', () => {
  let run: LocalRunProcess | undefined;

  afterEach(async () => {
    await run?.process.stop(5_000, 'SIGKILL');
    if (run) rmSync(join(tmpdir(), `esm-poller-demo-${run.process.pid}.log`), { force: true });
    run = undefined;
  });

  it('shows records flowing from all three sources within a minute, and SIGTERM stops everything it started', { timeout: 150_000 }, async () => {
    const demo = await startDemo();
    run = demo.run;

    const invokedBySource = await waitFor(
      async () => {
        const samples = parsePrometheusText(await (await fetch(`${demo.serviceUrl}/metrics`)).text());
        const invoked = SOURCES.map((source) => sumOf(samples, 'esm_invoked_events_total', { source }));
        return invoked.every((count) => count > 0) ? invoked : undefined;
      },
      { timeoutMs: Math.max(1, FLOWING_TIMEOUT_MS - (Date.now() - demo.started)), intervalMs: 500, message: 'records did not flow from every source' },
    );
    expect(invokedBySource).toHaveLength(3);
    // The screen (a plain copy: the output is a pipe) with a row per mapping and what the handlers printed.
    await waitFor(() => /order-cdc\s+dynamodb\s+\d+/.test(run!.output()) && run!.output().includes('[click-counter '), { timeoutMs: 15_000 });
    expect(run.output()).toMatch(/order-cdc's mapping [0-9a-f-]{36} was created through the Lambda API/);
    // The SDK's notice that its releases after January 2027 need Node 22, switched off by its documented variable.
    expect(run.output()).not.toContain('NodeVersionSupportWarning');

    // redis-server, fauxqs, kinesis-local, DynamoDB Local, the service and the watchdog.
    const started = processesOfRun(run.process.pid);
    expect(started).toHaveLength(6);
    run.process.signal('SIGTERM');
    expect(await run.process.exited).toBe(0);
    expect(run.output()).toContain('[demo] stopped; nothing left running');
    expect(await leftoversOf(started, STOPPED_TIMEOUT_MS)).toEqual([]);
  });

  it('leaves nothing running when it is killed outright (SIGKILL)', { timeout: 120_000 }, async () => {
    const demo = await startDemo();
    run = demo.run;
    const started = processesOfRun(run.process.pid);
    expect(started).toHaveLength(6);

    run.process.kill();
    expect(await run.process.exited).toBeNull();
    expect(await leftoversOf(started, STOPPED_TIMEOUT_MS)).toEqual([]);
  });
});
