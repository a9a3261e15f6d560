import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import { compareSequenceNumbers } from '../../../src/checkpoints/sequence-number.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('Kinesis ParallelizationFactor', () => {
  let fixture: KinesisFixture;
  let redis: Redis;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
    redis = createRedis(servers.redisUrl, createLogger('silent'));
  });

  afterAll(async () => {
    await fixture?.close();
    await redis?.quit();
    clients.destroy();
  });

  it('factor 4 on one shard: several batches in flight, per-key order, a checkpoint that never passes an unsettled lane', async () => {
    const stream = await fixture.createStream(1);
    const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`);
    const rounds = 6;
    const records = Array.from({ length: rounds }, (_, round) => keys.map((key) => ({ data: `${key}:${round}`, key }))).flat();
    const put = await fixture.put(stream.arn, records);
    const shardId = put[0]!.shardId;
    const mapping = fixture.mapping(stream.arn, { BatchSize: 5, ParallelizationFactor: 4 });
    const store = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);

    let running = 0;
    let maxRunning = 0;
    const keysInFlight = new Set<string>();
    const problems: string[] = [];
    const invoker = new ScriptedInvoker(async (event) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      const batchKeys = new Set(event.Records.map((record) => record.kinesis.partitionKey));
      for (const key of batchKeys) {
        if (keysInFlight.has(key)) problems.push(`key ${key} in two batches at once`);
        keysInFlight.add(key);
      }
      // One lane is slow: the others run ahead of it, and the checkpoint must wait for it.
      const slow = event.Records.some((record) => record.kinesis.partitionKey === 'key-0');
      await new Promise((resolve) => setTimeout(resolve, slow ? 400 : 50));
      // This batch is not settled yet: the stored checkpoint must be below its first record.
      const first = event.Records[0]!.kinesis.sequenceNumber;
      const stored = (await store.get(shardId))?.sequenceNumber;
      if (stored !== undefined && compareSequenceNumbers(stored, first) >= 0) problems.push(`checkpoint ${stored} passed unsettled ${first}`);
      for (const key of batchKeys) keysInFlight.delete(key);
      running -= 1;
      return { kind: 'success' };
    });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();

    await waitFor(() => invoker.deliveredData.length >= records.length, { message: 'records not delivered', timeoutMs: 30_000 });
    const last = put[put.length - 1]!.sequenceNumber;
    await waitFor(async () => (await store.get(shardId))?.sequenceNumber === last, { message: 'checkpoint did not reach the last record' });

    expect(problems).toEqual([]);
    expect(invoker.deliveredData).toHaveLength(records.length);
    expect(new Set(invoker.deliveredData).size).toBe(records.length);
    for (const key of keys) {
      const ofKey = invoker.deliveredData.filter((data) => data.startsWith(`${key}:`));
      expect(ofKey).toEqual(Array.from({ length: rounds }, (_, round) => `${key}:${round}`));
    }
    expect(invoker.events.every((event) => event.Records.length <= 5)).toBe(true);
    console.log(`ParallelizationFactor 4: maximum concurrent batches of one shard = ${maxRunning}`);
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(4);
  });
});
