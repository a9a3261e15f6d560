import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import { mappingUuid } from '../../../src/mappings/mapping-uuid.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed } from '../sqs/sqs-test-bed.js';

const servers = inject('servers');

interface Span {
  startMs: number;
  endMs: number;
  records: number;
}

function spans(file: string): Span[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Span);
}

/** The most invocations that ran at the same moment. */
function maxOverlap(all: readonly Span[]): number {
  const edges = all.flatMap((span) => [
    { at: span.startMs, delta: 1 },
    { at: span.endMs, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta); // an end before a start at the same millisecond
  let running = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (running += edge.delta));
  return most;
}

describe('concurrency limits hold for the whole fleet', () => {
  let bed: SqsTestBed;
  let redis: Redis;
  const dir = mkdtempSync(join(tmpdir(), 'esm-fleet-cc-'));
  const running: RunningService[] = [];

  beforeAll(() => {
    bed = new SqsTestBed(servers);
    redis = createRedis(servers.redisUrl, createLogger('silent'));
  });

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    await redis?.quit();
    await bed?.close();
  });

  async function start(config: string[], recordFile: string): Promise<RunningService> {
    const service = await startService({ config: config.join('\n'), servers, env: { ESM_TEST_RECORD_FILE: recordFile } });
    running.push(service);
    return service;
  }

  it('two replicas with MaximumConcurrency 2 never run more than 2 invocations at once, and a killed replica’s slots come back', async () => {
    const keyPrefix = uniqueName('t-cc');
    const queue = await bed.createQueue('cc');
    const config = [
      'functions:',
      `  spans: { handler: "${fixtureHandler('spans.mjs')}", timeout: 5 }`,
      'eventSourceMappings:',
      `  - { FunctionName: spans, EventSourceArn: "${queue.arn}", BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } }`,
      `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
      'shutdown: { drainTimeoutSeconds: 5 }',
    ];
    const files = ['a', 'b', 'c'].map((name) => join(dir, `${keyPrefix}-${name}.jsonl`)) as [string, string, string];
    const slotsKey = new RedisKeys(keyPrefix).mappingSlots(mappingUuid('spans', queue.arn));

    // A alone takes every slot the fleet has.
    const a = await start(config, files[0]);
    await waitFor(async () => (await redis.zcard(slotsKey)) === 2, { message: 'replica A did not take both slots' });
    const b = await start(config, files[1]);
    await bed.send(queue, Array.from({ length: 40 }, (_, i) => `m-${i}`));
    await bed.waitEmpty(queue, 60_000);
    const first = [...spans(files[0]), ...spans(files[1])];
    expect(first.reduce((sum, span) => sum + span.records, 0)).toBe(40);
    expect(maxOverlap(first)).toBe(2);

    // A dies holding its slots: they expire, B takes them and processes the next messages.
    a.kill();
    await a.exited;
    await bed.send(queue, Array.from({ length: 10 }, (_, i) => `n-${i}`));
    await bed.waitEmpty(queue, 60_000);
    expect(spans(files[1]).reduce((sum, span) => sum + span.records, 0)).toBeGreaterThanOrEqual(10);
    await waitFor(async () => (await redis.zcard(slotsKey)) === 2, { message: 'replica B does not hold both slots' });
    expect(maxOverlap([...spans(files[0]), ...spans(files[1])])).toBeLessThanOrEqual(2);
    await b.stop();
  }, 120_000);

  it("a function's reservedConcurrency counts the invocations of every replica", async () => {
    const keyPrefix = uniqueName('t-rc');
    const config = [
      'functions:',
      `  slow: { handler: "${fixtureHandler('slow.mjs')}", timeout: 10, reservedConcurrency: 1 }`,
      `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
    ];
    const replicas = [await start(config, join(dir, 'unused-a')), await start(config, join(dir, 'unused-b'))];
    const [lambdaA, lambdaB] = replicas.map(
      (service) => new LambdaClient({ endpoint: service.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
    ) as [LambdaClient, LambdaClient];
    try {
      const long = lambdaA.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from(JSON.stringify({ delayMs: 3_000 })) }));
      await waitFor(async () => (await redis.zcard(new RedisKeys(keyPrefix).functionSlots('slow'))) === 1, { message: 'slot not taken' });
      await expect(lambdaB.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from('{"delayMs":1}') }))).rejects.toBeInstanceOf(TooManyRequestsException);
      expect((await long).StatusCode).toBe(200);
      // The slot is back: the other replica may invoke now.
      expect((await lambdaB.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from('{"delayMs":1}') }))).StatusCode).toBe(200);
    } finally {
      lambdaA.destroy();
      lambdaB.destroy();
    }
  });

  it('provisioned mode keeps MinimumPollers running across the fleet, and the survivor takes over the share of a killed replica', async () => {
    const keyPrefix = uniqueName('t-prov');
    const queue = await bed.createQueue('prov');
    const config = [
      'functions:',
      `  spans: { handler: "${fixtureHandler('spans.mjs')}", timeout: 5 }`,
      'eventSourceMappings:',
      `  - { FunctionName: spans, EventSourceArn: "${queue.arn}", ProvisionedPollerConfig: { MinimumPollers: 4, MaximumPollers: 6 } }`,
      `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
    ];
    const provisioned = async (service: RunningService): Promise<number> => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('esm_provisioned_pollers{'));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const a = await start(config, join(dir, `${keyPrefix}-a`));
    const b = await start(config, join(dir, `${keyPrefix}-b`));
    // Each replica runs at least its share (2); A started alone with all 4 and comes down as its queue stays idle.
    await waitFor(
      async () => {
        const [onA, onB] = [await provisioned(a), await provisioned(b)];
        return onA >= 2 && onB >= 2 && onA + onB <= 6;
      },
      { message: 'MinimumPollers not shared by both replicas' },
    );
    a.kill();
    await a.exited;
    await waitFor(async () => (await provisioned(b)) === 4, { message: 'the survivor did not take the whole minimum', timeoutMs: 30_000 });
  }, 120_000);
});
