import { randomUUID } from 'node:crypto';
import type { BenchScenario, RunFigures, ScenarioContext } from '../scenario.js';
import { ServiceUnderTest } from '../service-under-test.js';
import { percentile } from '../statistics.js';
import { createStream } from '../stream-bench.js';
import { registerStreamConsumer } from '../../test/harness/kinesis-stream.js';
import { startSubscribeToShardFront } from '../../test/harness/subscribe-to-shard-front.js';
import { writeToHandlerStartMs } from './stream-latency.js';

/** Polling as AWS polls a caught-up shard: once a second. */
const POLL_INTERVAL_MS = 1_000;
/** How often the SubscribeToShard front reads kinesis-local once caught up (AWS pushes as records arrive). */
const FRONT_POLL_INTERVAL_MS = 20;

/**
 * Write → handler start for single records on a caught-up shard: the service reading through an enhanced fan-out
 * consumer (SubscribeToShard over HTTP/2, through the test harness's front, which reads kinesis-local every
 * {@link FRONT_POLL_INTERVAL_MS} ms), then the same service polling the stream at AWS's idle rate.
 */
const efoLatency: BenchScenario = {
  name: 'kinesis-latency-efo-vs-polling',
  title: `Kinesis write → handler start, enhanced fan-out vs polling every ${POLL_INTERVAL_MS} ms`,
  servers: ['redis', 'kinesis'],
  metrics: [
    { key: 'efo-p50', label: 'EFO latency p50', unit: 'ms', better: 'lower' },
    { key: 'efo-max', label: 'EFO latency max', unit: 'ms', better: 'lower' },
    { key: 'polling-p50', label: 'polling latency p50', unit: 'ms', better: 'lower' },
    { key: 'polling-max', label: 'polling latency max', unit: 'ms', better: 'lower' },
  ],
  async run({ servers, clients, profileDir }: ScenarioContext): Promise<RunFigures> {
    const front = await startSubscribeToShardFront({ kinesisEndpoint: servers.kinesisEndpoint, pollIntervalMs: FRONT_POLL_INTERVAL_MS });
    const stream = await createStream('kinesis', clients, 1);
    try {
      const consumerArn = await registerStreamConsumer(clients.kinesis, stream.arn);
      const measure = async (eventSourceArn: string, env: Record<string, string>): Promise<number[]> => {
        const service = await ServiceUnderTest.start({
          servers,
          mappings: [{ UUID: randomUUID(), EventSourceArn: eventSourceArn, StartingPosition: 'LATEST', BatchSize: 100 }],
          idlePollIntervalMs: POLL_INTERVAL_MS,
          latency: true,
          env,
          ...(profileDir ? { profileDir } : {}),
        });
        try {
          return await writeToHandlerStartMs(service, stream, { maxSpacingMs: POLL_INTERVAL_MS, settleMs: POLL_INTERVAL_MS + 200 });
        } finally {
          await service.stop();
        }
      };
      const efo = await measure(consumerArn, { AWS_ENDPOINT_URL_KINESIS: front.url });
      const polling = await measure(stream.arn, {});
      return {
        'esm-poller': {
          'efo-p50': percentile(efo, 0.5),
          'efo-max': Math.max(...efo),
          'polling-p50': percentile(polling, 0.5),
          'polling-max': Math.max(...polling),
        },
      };
    } finally {
      await stream.delete();
      await front.close();
    }
  },
};

export const scenarios: readonly BenchScenario[] = [efoLatency];
