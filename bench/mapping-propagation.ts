import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startTestStack } from '../test/harness/test-stack.js';
import { startService } from '../test/harness/service-process.js';
import { fixtureHandler } from '../test/harness/fixtures.js';
import { createLogger } from '../src/observability/logger.js';
import { createRedis } from '../src/redis/redis-connection.js';
import { RedisKeys } from '../src/redis/keys.js';
import { RedisMappingStore } from '../src/mappings/redis-mapping-store.js';
import { mappingUuid } from '../src/mappings/mapping-uuid.js';
import type { EventSourceMapping } from '../src/mappings/event-source-mapping.js';
import type { MappingState } from '../src/mappings/mapping-state.js';

/**
 * How long a change written to the fleet's mapping store takes to be applied on every replica: two service
 * processes, a mapping created, updated (BatchSize), disabled, enabled and deleted through the store, each
 * timed until the store reports the settled state, which it does once both replicas applied the change. `node dist/bench/mapping-propagation.js [rounds]`.
 */
const ROUNDS = Number(process.argv[2] ?? 10);

/** Time until the store reports `state` (undefined: the record is gone): every live replica applied the change. */
async function timeUntil(store: RedisMappingStore, uuid: string, state: string | undefined): Promise<number> {
  const started = performance.now();
  for (;;) {
    const current = (await store.get(uuid))?.state;
    if (current === state) return performance.now() - started;
    if (performance.now() - started > 30_000) throw new Error(`state ${state} not reached: ${current}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main(): Promise<void> {
  const stack = await startTestStack(['redis', 'fauxqs']);
  const { servers } = stack;
  const keyPrefix = `bench-fleet-${Date.now()}`;
  const config = [
    'functions:',
    `  recorder: { handler: "${fixtureHandler('noop.mjs')}", timeout: 3 }`,
    `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
    'log: { level: warn }',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'esm-bench-fleet-'));
  const replicas = [await startService({ config, servers, env: { ESM_TEST_RECORD_FILE: join(dir, 'a') } }), await startService({ config, servers, env: { ESM_TEST_RECORD_FILE: join(dir, 'b') } })];
  const redis = createRedis(servers.redisUrl, createLogger('silent'));
  const store = new RedisMappingStore(redis, new RedisKeys(keyPrefix));
  const sqs = new SQSClient({ endpoint: servers.fauxqsEndpoint, region: servers.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const samples: Record<string, number[]> = { create: [], update: [], disable: [], enable: [], delete: [] };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const name = `${keyPrefix}-${round}`;
      await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const arn = `arn:aws:sqs:${servers.region}:000000000000:${name}`;
      const mapping: EventSourceMapping = {
        UUID: mappingUuid('recorder', arn),
        FunctionName: 'recorder',
        EventSourceArn: arn,
        sourceKind: 'sqs',
        fifo: false,
        Enabled: true,
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 0,
        FunctionResponseTypes: [],
      };
      const base = { stateTransitionReason: 'USER_INITIATED', lastModifiedMs: Date.now(), tags: {} };
      await store.create({ mapping, state: 'Creating', ...base });
      samples.create!.push(await timeUntil(store, mapping.UUID, 'Enabled'));
      const change = async (next: EventSourceMapping, state: MappingState, settled: string | undefined, label: string) => {
        const current = (await store.get(mapping.UUID))!;
        await store.replace(mapping.UUID, current.revision, { ...current, mapping: next, state });
        samples[label]!.push(await timeUntil(store, mapping.UUID, settled));
      };
      await change({ ...mapping, BatchSize: 5 }, 'Updating', 'Enabled', 'update');
      await change({ ...mapping, Enabled: false }, 'Disabling', 'Disabled', 'disable');
      await change(mapping, 'Enabling', 'Enabled', 'enable');
      await change(mapping, 'Deleting', undefined, 'delete');
    }
  } finally {
    sqs.destroy();
    await redis.quit();
    await Promise.all(replicas.map((service) => service.stop()));
    await stack.stop();
  }
  process.stdout.write(`change → settled on both replicas (ms), ${ROUNDS} rounds\n`);
  for (const [label, values] of Object.entries(samples)) {
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    process.stdout.write(`${label.padEnd(8)} median ${median.toFixed(0)}  max ${sorted.at(-1)!.toFixed(0)}\n`);
  }
}

await main();
