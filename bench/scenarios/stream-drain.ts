import { randomUUID } from 'node:crypto';
import type { BenchScenario, MetricSpec, RunFigures, ScenarioContext } from '../scenario.js';
import { runBaseline } from '../baselines/baseline-process.js';
import { ServiceUnderTest } from '../service-under-test.js';
import { per10k } from '../statistics.js';
import { awaitCheckpoints, createStream, type BenchStream } from '../stream-bench.js';

const METRICS: readonly MetricSpec[] = [
  { key: 'rate', label: 'drain rate from process ready', unit: 'rec/s', better: 'higher' },
  { key: 'cpu', label: 'CPU of the consuming process', unit: 's per 10,000 recs', better: 'lower' },
  { key: 'peakRss', label: 'peak RSS of the consuming process', unit: 'MiB', better: 'lower' },
];

/**
 * A backlog of `records` records drained from TRIM_HORIZON: the service timed from `/readyz` 200 until the
 * checkpoint of every shard reached its last record, beside a bare loop (in a fresh process) reading every shard
 * with back-to-back GetRecords(Limit = BatchSize) until it read them all.
 */
function streamDrain(source: BenchStream['kind'], options: { shards: number; records: number; batchSize: number }): BenchScenario {
  const label = source === 'kinesis' ? 'Kinesis' : 'DynamoDB Streams';
  return {
    name: source === 'kinesis' ? `kinesis-drain-${options.shards}shards-batch${options.batchSize}` : `dynamodb-drain-batch${options.batchSize}`,
    title: `${label} drain, ${options.records.toLocaleString('en-US')} recs${source === 'kinesis' ? `, ${options.shards} shards` : ''}, BatchSize ${options.batchSize}`,
    servers: ['redis', source],
    metrics: METRICS,
    async run({ servers, clients, profileDir }: ScenarioContext): Promise<RunFigures> {
      const stream = await createStream(source, clients, options.shards);
      try {
        await stream.write(options.records);
        const bare = await runBaseline({
          kind: 'stream-get-records',
          source,
          endpoint: source === 'kinesis' ? servers.kinesisEndpoint : servers.dynamodbEndpoint,
          streamArn: stream.arn,
          records: options.records,
          limit: options.batchSize,
        }, profileDir);
        const uuid = randomUUID();
        const service = await ServiceUnderTest.start({
          servers,
          mappings: [{ UUID: uuid, EventSourceArn: stream.arn, StartingPosition: 'TRIM_HORIZON', BatchSize: options.batchSize }],
          ...(profileDir ? { profileDir } : {}),
        });
        try {
          const checkpointedAt = await awaitCheckpoints(servers, service.keyPrefix, uuid, bare.lastSequenceByShard ?? {});
          return {
            'esm-poller': {
              rate: options.records / ((checkpointedAt - service.readyAt) / 1000),
              cpu: per10k(service.cpuSecondsSinceReady(), options.records),
              peakRss: service.memory().peakRssMb,
            },
            'bare-loop': { rate: options.records / bare.seconds, cpu: per10k(bare.cpuSeconds, options.records), peakRss: bare.peakRssMb },
          };
        } finally {
          await service.stop();
        }
      } finally {
        await stream.delete();
      }
    },
  };
}

export const scenarios: readonly BenchScenario[] = [
  streamDrain('kinesis', { shards: 4, records: 10_000, batchSize: 100 }),
  streamDrain('kinesis', { shards: 4, records: 10_000, batchSize: 1_000 }),
  streamDrain('kinesis', { shards: 16, records: 10_000, batchSize: 100 }),
  streamDrain('kinesis', { shards: 16, records: 10_000, batchSize: 1_000 }),
  streamDrain('dynamodb', { shards: 1, records: 5_000, batchSize: 1_000 }),
];
