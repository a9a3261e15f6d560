import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import type { Metrics } from '../../../src/observability/metrics.js';
import { KinesisFixture, ScriptedInvoker } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

/** Shards this process reports an iterator age for, for one mapping. */
async function reportedShards(metrics: Metrics, mappingUuid: string): Promise<Set<string>> {
  const values = (await metrics.iteratorAge.get()).values.filter((value) => value.labels.mapping === mappingUuid);
  return new Set(values.map((value) => String(value.labels.shard)));
}

describe('per-shard metric series', () => {
  let fixture: KinesisFixture;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('are removed when the shard leaves this process (handed to another replica, or the poller stops)', async () => {
    const stream = await fixture.createStream(2);
    const put = await fixture.put(stream.arn, Array.from({ length: 20 }, (_, i) => ({ data: `a-${i}`, key: `key-${i}` })));
    const shards = new Set(put.map((entry) => entry.shardId));
    expect(shards.size).toBe(2);
    const mapping = fixture.mapping(stream.arn, { BatchSize: 5 });
    const first = fixture.poller(mapping, new ScriptedInvoker());
    await first.poller.start();
    await waitFor(async () => (await reportedShards(first.metrics, mapping.UUID)).size === 2, { message: 'iterator age not reported for both shards' });

    // A second replica joins: one shard is handed over, and only its new owner reports it.
    const secondInvoker = new ScriptedInvoker();
    const second = fixture.poller(mapping, secondInvoker);
    await second.poller.start();
    // Records keep coming on both shards, so whoever holds a shard reports it.
    await waitFor(
      async () => {
        await fixture.put(stream.arn, Array.from({ length: 4 }, (_, i) => ({ data: `b-${i}`, key: `key-${i}` })));
        return (await reportedShards(second.metrics, mapping.UUID)).size === 1;
      },
      { timeoutMs: 30_000, intervalMs: 300, message: 'the second replica did not take a shard' },
    );
    const moved = [...(await reportedShards(second.metrics, mapping.UUID))][0]!;
    await waitFor(async () => !(await reportedShards(first.metrics, mapping.UUID)).has(moved), { timeoutMs: 30_000, message: 'the former owner still reports the shard handed over' });
    expect((await reportedShards(first.metrics, mapping.UUID)).size).toBe(1);

    await first.poller.stop();
    expect((await reportedShards(first.metrics, mapping.UUID)).size).toBe(0);
  });
});
