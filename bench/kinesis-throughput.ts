import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { sleep } from '../src/runtime/backoff.js';
import { testClients } from '../test/harness/aws-clients.js';
import type { TestServers } from '../test/harness/servers.js';
import { waitFor } from '../test/harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker } from '../test/integration/kinesis/kinesis-fixture.js';
import type { BenchResult, BenchScenario } from './scenario.js';

/** Records written for the throughput runs (poller and raw loop read the same amount). */
const RECORDS = 20_000;
/** Records per PutRecords call (the API maximum). */
const PUT_CHUNK = 500;
const SHARDS = 2;
/** Payload of every record, bytes. */
const RECORD_BYTES = 100;
/** Single-record round trips measured for latency. */
const LATENCY_SAMPLES = 20;
/** BatchSize of the throughput mapping. */
const THROUGHPUT_BATCH_SIZE = 1_000;
/** Idle poll interval of the poller in the latency run: the service default (AWS polls an idle shard once a second). */
const IDLE_POLL_INTERVAL_MS = 1_000;

/**
 * Kinesis through the shard engine (in-process Kinesis poller, leases and checkpoints in Redis, a no-op function)
 * beside the bare SDK loop on the same kinesis-local in the same run:
 * - throughput: records/s draining a backlog of {@link RECORDS} records (poller: from start until the function saw
 *   them all; ceiling: GetShardIterator + GetRecords until every record was read);
 * - latency: put → function for single records on a caught-up shard, put at random points of the poll cycle
 *   (poller at the default 1 s idle interval, so about half of it on average; ceiling: a GetRecords loop that
 *   never pauses).
 */
export const kinesisThroughputScenario: BenchScenario = {
  name: 'kinesis-throughput',
  async run(servers: TestServers): Promise<BenchResult[]> {
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const clients = testClients(servers);
    const fixture = new KinesisFixture(servers, clients.kinesis);
    try {
      const backlog = await fixture.createStream(SHARDS);
      await putBacklog(fixture, backlog.arn);
      const rawRate = await rawDrainRate(clients.kinesis, backlog.arn, await fixture.shardIds(backlog.arn));
      const pollerRate = await pollerDrainRate(fixture, backlog.arn);

      const live = await fixture.createStream(1);
      const rawLatency = await rawLatencies(fixture, clients.kinesis, live.arn);
      const pollerLatency = await pollerLatencies(fixture, live.arn);
      return [
        {
          label: `Kinesis records/s, ${SHARDS} shards, ${RECORD_BYTES}-byte records, BatchSize ${THROUGHPUT_BATCH_SIZE}, no-op function`,
          unit: 'records/s',
          value: pollerRate,
          ceiling: rawRate,
        },
        {
          label: 'Kinesis put → function latency p50 (ceiling: GetRecords loop without pause)',
          unit: 'ms',
          lowerIsBetter: true,
          value: percentile(pollerLatency, 0.5),
          ceiling: percentile(rawLatency, 0.5),
          details: {
            'poller p90 ms': percentile(pollerLatency, 0.9),
            'poller max ms': Math.max(...pollerLatency),
            'raw loop p90 ms': percentile(rawLatency, 0.9),
            'poller idle poll interval ms': IDLE_POLL_INTERVAL_MS,
          },
        },
      ];
    } finally {
      await fixture.close();
      clients.destroy();
    }
  },
};

async function putBacklog(fixture: KinesisFixture, arn: string): Promise<void> {
  const data = 'x'.repeat(RECORD_BYTES);
  for (let start = 0; start < RECORDS; start += PUT_CHUNK) {
    await fixture.put(arn, Array.from({ length: Math.min(PUT_CHUNK, RECORDS - start) }, (_, i) => ({ data, key: `key-${start + i}` })));
  }
}

/** Records/s of the bare SDK loop reading every shard from TRIM_HORIZON until the backlog is read. */
async function rawDrainRate(kinesis: KinesisClient, arn: string, shardIds: readonly string[]): Promise<number> {
  const started = performance.now();
  const counts = await Promise.all(
    shardIds.map(async (shardId) => {
      let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamARN: arn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      let read = 0;
      for (;;) {
        const out = await kinesis.send(new GetRecordsCommand({ StreamARN: arn, ShardIterator: iterator, Limit: 10_000 }));
        read += out.Records?.length ?? 0;
        iterator = out.NextShardIterator;
        if (!iterator || (out.Records?.length ?? 0) === 0) return read;
      }
    }),
  );
  const total = counts.reduce((sum, count) => sum + count, 0);
  return total / ((performance.now() - started) / 1000);
}

/** Records/s through the poller: from start() until the function has seen the whole backlog. */
async function pollerDrainRate(fixture: KinesisFixture, arn: string): Promise<number> {
  let seen = 0;
  const invoker = new ScriptedInvoker((event) => {
    seen += event.Records.length;
    return { kind: 'success' };
  });
  const subject = fixture.poller(fixture.mapping(arn, { BatchSize: THROUGHPUT_BATCH_SIZE }), invoker);
  const started = performance.now();
  await subject.poller.start();
  await waitFor(() => seen >= RECORDS, { timeoutMs: 300_000, intervalMs: 10, message: 'poller did not drain the backlog' });
  const rate = seen / ((performance.now() - started) / 1000);
  await subject.poller.stop();
  return rate;
}

/** put → seen, ms, of a GetRecords loop that never pauses. */
async function rawLatencies(fixture: KinesisFixture, kinesis: KinesisClient, arn: string): Promise<number[]> {
  const [shardId] = await fixture.shardIds(arn);
  let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamARN: arn, ShardId: shardId, ShardIteratorType: 'LATEST' }))).ShardIterator;
  const latencies: number[] = [];
  for (let sample = 0; sample < LATENCY_SAMPLES; sample += 1) {
    const sentAt = performance.now();
    await fixture.put(arn, [{ data: `raw-${sample}`, key: 'k' }]);
    for (;;) {
      const out = await kinesis.send(new GetRecordsCommand({ StreamARN: arn, ShardIterator: iterator }));
      iterator = out.NextShardIterator;
      if ((out.Records?.length ?? 0) > 0) break;
    }
    latencies.push(performance.now() - sentAt);
  }
  return latencies;
}

/** put → function, ms, through a LATEST poller at the default idle poll interval. */
async function pollerLatencies(fixture: KinesisFixture, arn: string): Promise<number[]> {
  const arrivals = new Map<string, number>();
  const invoker = new ScriptedInvoker((event) => {
    for (const record of event.Records) arrivals.set(Buffer.from(record.kinesis.data, 'base64').toString(), performance.now());
    return { kind: 'success' };
  });
  const subject = fixture.poller(fixture.mapping(arn, { StartingPosition: 'LATEST' }), invoker, { idlePollIntervalMs: IDLE_POLL_INTERVAL_MS });
  await subject.poller.start();
  const latencies: number[] = [];
  for (let sample = 0; sample < LATENCY_SAMPLES; sample += 1) {
    const data = `poller-${sample}`;
    // Puts land at random points of the poll cycle, as real traffic does (not right after a poll).
    await sleep(Math.random() * IDLE_POLL_INTERVAL_MS);
    const sentAt = performance.now();
    await fixture.put(arn, [{ data, key: 'k' }]);
    const seenAt = await waitFor(() => arrivals.get(data), { intervalMs: 1, message: `record ${data} not delivered` });
    latencies.push(seenAt - sentAt);
  }
  await subject.poller.stop();
  return latencies;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}
