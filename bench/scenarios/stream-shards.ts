import { randomUUID } from 'node:crypto';
import { sleep } from '../../src/runtime/backoff.js';
import type { BenchScenario, RunFigures, ScenarioContext } from '../scenario.js';
import { runBaseline } from '../baselines/baseline-process.js';
import { ServiceUnderTest } from '../service-under-test.js';
import { createKinesisStream, leasesHeld } from '../stream-bench.js';
import { waitFor } from '../../test/harness/wait-for.js';

/**
 * How long both sides poll before they are watched: V8 optimises the request path of a process that sends one call
 * per shard per second only after tens of seconds (the service's CPU falls from 14 % in its first 10 s to 6–8 % after
 * 40 s, the bare loop's from 5 % to 3 %), and a service at rest has been running for far longer than that.
 */
const WARM_UP_SECONDS = 45;
/** How long the service is watched at rest once warm. */
const REST_SECONDS = 10;

/** 64 shards, nothing written: once every lease is held, the service's CPU and memory at rest, beside a bare loop polling as often. */
const idleShards: BenchScenario = {
  name: 'kinesis-idle-64shards',
  title: 'Kinesis, 64 idle shards at rest (default 1 s idle poll interval)',
  servers: ['redis', 'kinesis'],
  metrics: [
    { key: 'cpuPercent', label: `CPU at rest (${WARM_UP_SECONDS} s warm-up, then ${REST_SECONDS} s)`, unit: '% of one core', better: 'lower' },
    { key: 'rss', label: 'RSS at rest', unit: 'MiB', better: 'lower' },
    { key: 'leaseSeconds', label: 'ready → all 64 leases held', unit: 's', better: 'lower' },
  ],
  async run({ servers, clients, profileDir }: ScenarioContext): Promise<RunFigures> {
    const stream = await createKinesisStream(clients.kinesis, 64);
    const figures: RunFigures = {};
    try {
      const uuid = randomUUID();
      const service = await ServiceUnderTest.start({
        servers,
        mappings: [{ UUID: uuid, EventSourceArn: stream.arn, StartingPosition: 'LATEST' }],
        ...(profileDir ? { profileDir } : {}),
      });
      try {
        const allHeldAt = await waitFor(async () => ((await leasesHeld(servers, service.keyPrefix, uuid)) === 64 ? Date.now() : undefined), {
          timeoutMs: 120_000,
          intervalMs: 50,
          message: 'the service did not take every lease',
        });
        const leaseSeconds = (allHeldAt - service.readyAt) / 1000;
        await sleep(WARM_UP_SECONDS * 1000);
        const before = service.cpuSeconds();
        await sleep(REST_SECONDS * 1000);
        const cpuPercent = ((service.cpuSeconds() - before) / REST_SECONDS) * 100;
        figures['esm-poller'] = { cpuPercent, rss: service.memory().rssMb, leaseSeconds };
      } finally {
        await service.stop();
      }
      // The floor: a bare loop polling the same 64 shards once a second.
      const bare = await runBaseline({ kind: 'stream-idle', source: 'kinesis', endpoint: servers.kinesisEndpoint, streamArn: stream.arn, seconds: REST_SECONDS, warmUpSeconds: WARM_UP_SECONDS, intervalMs: 1_000 }, profileDir);
      figures['bare-loop'] = { cpuPercent: (bare.cpuSeconds / bare.seconds) * 100, rss: bare.peakRssMb };
      return figures;
    } finally {
      await stream.delete();
    }
  },
};

/** 16 shards each holding records: how soon after start the function runs, and runs on every shard. */
const startOn16Shards: BenchScenario = {
  name: 'kinesis-start-16shards',
  title: 'Kinesis, 16 shards with records: start → first invocation',
  servers: ['redis', 'kinesis'],
  metrics: [
    { key: 'spawnToFirst', label: 'process start → first invocation', unit: 'ms', better: 'lower' },
    { key: 'readyToFirst', label: '/readyz 200 (loop: its first call) → first invocation (loop: first records read)', unit: 'ms', better: 'lower' },
    { key: 'readyToAllShards', label: '/readyz 200 (loop: its first call) → every shard invoked (loop: read)', unit: 'ms', better: 'lower' },
  ],
  async run({ servers, clients, profileDir }: ScenarioContext): Promise<RunFigures> {
    const stream = await createKinesisStream(clients.kinesis, 16);
    try {
      // Random partition keys spread 1,600 records over every shard.
      await stream.write(1_600);
      const figures: RunFigures = {};
      const service = await ServiceUnderTest.start({
        servers,
        mappings: [{ UUID: randomUUID(), EventSourceArn: stream.arn, StartingPosition: 'TRIM_HORIZON', BatchSize: 100 }],
        ...(profileDir ? { profileDir } : {}),
      });
      try {
        const invocations = await waitFor(
          () => {
            const seen = service.invocations();
            return new Set(seen.map((invocation) => invocation.shard)).size >= 16 ? seen : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 10, message: 'the function did not run on every shard' },
        );
        const firstByShard = new Map<string, number>();
        for (const invocation of invocations) if (!firstByShard.has(invocation.shard!)) firstByShard.set(invocation.shard!, invocation.start);
        const first = Math.min(...firstByShard.values());
        const last = Math.max(...firstByShard.values());
        figures['esm-poller'] = { spawnToFirst: first - service.spawnedAt, readyToFirst: first - service.readyAt, readyToAllShards: last - service.readyAt };
      } finally {
        await service.stop();
      }
      // The floor: a bare loop reading every shard from TRIM_HORIZON at once, timed from its first call.
      const bare = await runBaseline({ kind: 'stream-first-reads', source: 'kinesis', endpoint: servers.kinesisEndpoint, streamArn: stream.arn, limit: 100 }, profileDir);
      figures['bare-loop'] = { readyToFirst: bare.firstMs!, readyToAllShards: bare.allShardsMs! };
      return figures;
    } finally {
      await stream.delete();
    }
  },
};

export const scenarios: readonly BenchScenario[] = [idleShards, startOn16Shards];
