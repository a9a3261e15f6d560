import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import { RedisMappingStore } from '../../../src/mappings/redis-mapping-store.js';
import type { EventSourceMapping } from '../../../src/mappings/event-source-mapping.js';
import { mappingUuid } from '../../../src/mappings/mapping-uuid.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, type TestQueue } from '../sqs/sqs-test-bed.js';

const servers = inject('servers');

interface ReadyMapping {
  UUID: string;
  State: string;
  LastProcessingResult: string;
}

async function readyMappings(service: RunningService): Promise<ReadyMapping[]> {
  const body = (await (await fetch(`${service.url}/readyz`)).json()) as { mappings: ReadyMapping[] };
  return body.mappings;
}

async function stateOn(service: RunningService, uuid: string): Promise<string | undefined> {
  return (await readyMappings(service)).find((mapping) => mapping.UUID === uuid)?.State;
}

function delivered(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => (JSON.parse(line) as { Records: { body: string }[] }).Records.map((record) => record.body));
}

function sqsMapping(queue: TestQueue, overrides: Partial<EventSourceMapping> = {}): EventSourceMapping {
  return {
    UUID: mappingUuid('recorder', queue.arn),
    FunctionName: 'recorder',
    EventSourceArn: queue.arn,
    sourceKind: 'sqs',
    fifo: false,
    Enabled: true,
    BatchSize: 10,
    MaximumBatchingWindowInSeconds: 0,
    FunctionResponseTypes: [],
    ...overrides,
  };
}

describe('mappings shared by the fleet: every replica follows the store', () => {
  let bed: SqsTestBed;
  let redis: Redis;
  const dir = mkdtempSync(join(tmpdir(), 'esm-fleet-'));
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

  function config(keyPrefix: string, mappings: string[] = []): string {
    return [
      'functions:',
      `  recorder: { handler: "${fixtureHandler('record.mjs')}", timeout: 3 }`,
      ...(mappings.length > 0 ? ['eventSourceMappings:', ...mappings] : []),
      `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
      'shutdown: { drainTimeoutSeconds: 5 }',
    ].join('\n');
  }

  async function start(keyPrefix: string, recordFile: string, mappings: string[] = []): Promise<RunningService> {
    const service = await startService({ config: config(keyPrefix, mappings), servers, env: { ESM_TEST_RECORD_FILE: recordFile } });
    running.push(service);
    return service;
  }

  it('applies a create, disable, enable and delete made in the store on every replica', async () => {
    const keyPrefix = uniqueName('t-fleet');
    const keys = new RedisKeys(keyPrefix);
    const store = new RedisMappingStore(redis, keys);
    const files = ['a', 'b'].map((name) => join(dir, `${keyPrefix}-${name}.jsonl`)) as [string, string];
    const replicas = [await start(keyPrefix, files[0]), await start(keyPrefix, files[1])] as const;
    const queue = await bed.createQueue('fleet');
    const mapping = sqsMapping(queue);
    const onEvery = (state: string) => async () => (await Promise.all(replicas.map((service) => stateOn(service, mapping.UUID)))).every((s) => s === state);

    await store.create({ mapping, state: 'Creating', stateTransitionReason: 'USER_INITIATED', lastModifiedMs: Date.now(), tags: {} });
    await waitFor(onEvery('Enabled'), { message: 'create not applied on both replicas', timeoutMs: 10_000 });
    expect((await store.get(mapping.UUID))?.state).toBe('Enabled');

    const sent = Array.from({ length: 30 }, (_, i) => `m-${i}`);
    await bed.send(queue, sent);
    await bed.waitEmpty(queue);
    expect([...delivered(files[0]), ...delivered(files[1])].sort()).toEqual([...sent].sort());

    let record = (await store.get(mapping.UUID))!;
    await store.replace(mapping.UUID, record.revision, { ...record, mapping: { ...mapping, Enabled: false }, state: 'Disabling' });
    await waitFor(onEvery('Disabled'), { message: 'disable not applied on both replicas', timeoutMs: 10_000 });
    await bed.send(queue, ['while-disabled']);
    // Nobody polls any more: the message can be received by another consumer. (Polls parked before the disable may
    // still take it on the server's side for one visibility timeout; the emulator expires visibility lazily.)
    const taken = await waitFor(async () => (await bed.receive(queue, 1)).find((message) => message.Body === 'while-disabled'), {
      message: 'message not left to other consumers',
      timeoutMs: 45_000,
    });
    await bed.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: taken.ReceiptHandle! }));
    expect([...delivered(files[0]), ...delivered(files[1])]).not.toContain('while-disabled');
    for (const service of replicas) {
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).not.toMatch(new RegExp(`esm_pollers\\{[^}]*esm_uuid="${mapping.UUID}"[^}]*\\} [1-9]`));
    }

    record = (await store.get(mapping.UUID))!;
    await store.replace(mapping.UUID, record.revision, { ...record, mapping, state: 'Enabling' });
    await waitFor(onEvery('Enabled'), { message: 'enable not applied on both replicas', timeoutMs: 10_000 });
    await bed.send(queue, ['after-enable']);
    await waitFor(() => [...delivered(files[0]), ...delivered(files[1])].includes('after-enable'), { message: 'not polled again after enable' });

    record = (await store.get(mapping.UUID))!;
    await store.setStatus(mapping.UUID, { lastProcessingResult: 'OK' });
    await store.replace(mapping.UUID, record.revision, { ...record, state: 'Deleting' });
    await waitFor(async () => (await store.get(mapping.UUID)) === undefined, { message: 'delete never completed', timeoutMs: 10_000 });
    await waitFor(onEvery(undefined as unknown as string), { message: 'a replica still lists the deleted mapping' });
    await waitFor(async () => (await redis.exists(keys.status(mapping.UUID))) === 0, { message: 'status of the deleted mapping left behind' });
  }, 120_000);

  it('declares the configuration file: created once, an API delete stands, a changed entry comes back, a removed one goes', async () => {
    const keyPrefix = uniqueName('t-declare');
    const store = new RedisMappingStore(redis, new RedisKeys(keyPrefix));
    const file = join(dir, `${keyPrefix}.jsonl`);
    const queue = await bed.createQueue('declared');
    const uuid = mappingUuid('recorder', queue.arn);
    const entry = (batchSize: number) => [`  - { FunctionName: recorder, EventSourceArn: "${queue.arn}", BatchSize: ${batchSize} }`];

    let service = await start(keyPrefix, file, entry(5));
    expect(await stateOn(service, uuid)).toBe('Enabled');
    expect(await store.get(uuid)).toMatchObject({ state: 'Enabled', stateTransitionReason: 'USER_INITIATED', mapping: { BatchSize: 5 } });
    await service.stop();

    // A delete through the API while no replica runs: it completes at once and stands at the next start.
    const record = (await store.get(uuid))!;
    await store.replace(uuid, record.revision, { ...record, state: 'Deleting' });
    expect(await store.acknowledge(uuid, record.revision + 1, 'operator')).toBe('deleted');
    service = await start(keyPrefix, file, entry(5));
    expect(await readyMappings(service)).toEqual([]);
    await service.stop();

    service = await start(keyPrefix, file, entry(7));
    expect(await store.get(uuid)).toMatchObject({ state: 'Enabled', mapping: { BatchSize: 7 } });
    await service.stop();

    service = await start(keyPrefix, file);
    await waitFor(async () => (await store.get(uuid)) === undefined, { message: 'mapping removed from the file was not deleted' });
    await service.stop();
  }, 120_000);
});
