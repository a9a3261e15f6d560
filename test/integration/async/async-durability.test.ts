import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { lambdaClientFor } from '../../harness/lambda-client.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { asyncServiceConfig, invokeEvent } from './async-fixture.js';

const servers = inject('servers');
/** A crashed process's events run again once their lock expires: about 2 × 10 s, plus the restart. */
const RECOVERY_TIMEOUT_MS = 60_000;

describe('asynchronous events across crashes and replicas', () => {
  let target: RecordingTarget;
  const services: RunningService[] = [];
  const clients: LambdaClient[] = [];

  beforeAll(async () => {
    target = await startRecordingTarget(() => ({ delayMs: 300 }));
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all(services.splice(0).map((service) => service.stop()));
  });

  afterAll(async () => {
    await target?.close();
  });

  async function start(config: string): Promise<{ service: RunningService; lambda: LambdaClient }> {
    const service = await startService({ servers, config });
    services.push(service);
    const lambda = lambdaClientFor(service.url);
    clients.push(lambda);
    return { service, lambda };
  }

  const deliveredOf = (run: string) =>
    target.events.flatMap((event) => ((event as { run?: string }).run === run ? [(event as { n: number }).n] : []));

  it('delivers every event queued before a SIGKILL after a restart, none lost', async () => {
    const run = uniqueName('kill');
    const config = [asyncServiceConfig([`slow: { url: "${target.url}" }`], uniqueName('t-akill')), '  concurrency: 2'].join('\n');
    const first = await start(config);
    for (let n = 0; n < 20; n++) expect((await invokeEvent(first.lambda, 'slow', { run, n })).status).toBe(202);
    await waitFor(() => deliveredOf(run).length >= 1, { message: 'no event delivered before the kill' });

    first.service.kill();
    await first.service.exited;
    const deliveredBeforeRestart = new Set(deliveredOf(run)).size;
    expect(deliveredBeforeRestart).toBeLessThan(20);
    await start(config);

    await waitFor(() => new Set(deliveredOf(run)).size === 20, { message: 'events lost across the SIGKILL', timeoutMs: RECOVERY_TIMEOUT_MS });
    expect([...new Set(deliveredOf(run))].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  }, 120_000);

  it('shares one queue between two replicas without delivering an event twice', async () => {
    const run = uniqueName('pair');
    const config = asyncServiceConfig([`shared: { url: "${target.url}" }`], uniqueName('t-apair'));
    const [a, b] = await Promise.all([start(config), start(config)]);
    const statuses = await Promise.all([...Array(30).keys()].map(async (n) => (await invokeEvent(n % 2 === 0 ? a!.lambda : b!.lambda, 'shared', { run, n })).status));
    expect(statuses.every((status) => status === 202)).toBe(true);

    await waitFor(() => deliveredOf(run).length >= 30, { message: 'not every event delivered', timeoutMs: 30_000 });
    await waitFor(async () => {
      const counts = await Promise.all([a!, b!].map(async ({ service }) => (await (await fetch(`${service.url}/metrics`)).text()).match(/^esm_async_queue_jobs\{state="waiting"\} (\d+)/m)?.[1]));
      return counts.every((count) => count === '0');
    });
    expect(deliveredOf(run).sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
  }, 120_000);
});
