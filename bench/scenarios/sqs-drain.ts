import type { BenchScenario, MetricSpec, RunFigures, ScenarioContext } from '../scenario.js';
import { runBaseline } from '../baselines/baseline-process.js';
import { BenchQueue } from '../sqs-bench-queue.js';
import { ServiceUnderTest } from '../service-under-test.js';
import { per10k } from '../statistics.js';

/** Messages in the queue when each drain starts. */
const MESSAGES = 10_000;

const METRICS: readonly MetricSpec[] = [
  { key: 'rate', label: 'drain rate', unit: 'msg/s', better: 'higher' },
  { key: 'cpu', label: 'CPU of the consuming process', unit: 's per 10,000 msgs', better: 'lower' },
  { key: 'peakRss', label: 'peak RSS of the consuming process', unit: 'MiB', better: 'lower' },
];

/**
 * A full queue drained through the service (the function's `reservedConcurrency` = the concurrency under test,
 * timed from `/readyz` 200 until the queue holds no message), beside `concurrency` bare ReceiveMessage +
 * DeleteMessageBatch loops and `concurrency` `sqs-consumer` consumers on the same fauxqs, each in a fresh process.
 */
function sqsDrain(concurrency: number, mapping: { BatchSize: number; MaximumBatchingWindowInSeconds?: number }): BenchScenario {
  const window = mapping.MaximumBatchingWindowInSeconds;
  return {
    name: `sqs-drain${mapping.BatchSize === 10 ? '' : `-batch${mapping.BatchSize}`}${window ? `-window${window}s` : ''}-c${concurrency}`,
    title: `SQS drain, ${MESSAGES.toLocaleString('en-US')} msgs, concurrency ${concurrency}, BatchSize ${mapping.BatchSize}${window ? `, window ${window} s` : ''}`,
    servers: ['redis', 'fauxqs'],
    metrics: METRICS,
    async run({ servers, clients, profileDir }: ScenarioContext): Promise<RunFigures> {
      const sqs = clients.sqs;
      const figures: RunFigures = {};

      const queue = await BenchQueue.create(sqs);
      await queue.fill(MESSAGES);
      const service = await ServiceUnderTest.start({
        servers,
        mappings: [{ EventSourceArn: queue.arn, ...mapping }],
        reservedConcurrency: concurrency,
        ...(profileDir ? { profileDir } : {}),
      });
      try {
        const drainedAt = await queue.awaitDrained();
        const cpu = service.cpuSecondsSinceReady();
        figures['esm-poller'] = {
          rate: MESSAGES / ((drainedAt - service.readyAt) / 1000),
          cpu: per10k(cpu, MESSAGES),
          peakRss: service.memory().peakRssMb,
        };
      } finally {
        await service.stop();
        await queue.delete();
      }

      for (const [subject, kind] of [['bare-loop', 'sqs-bare-loop'], ['sqs-consumer', 'sqs-consumer']] as const) {
        const baselineQueue = await BenchQueue.create(sqs);
        await baselineQueue.fill(MESSAGES);
        const result = await runBaseline({ kind, endpoint: servers.fauxqsEndpoint, queueUrl: baselineQueue.url, messages: MESSAGES, concurrency }, profileDir);
        figures[subject] = { rate: MESSAGES / result.seconds, cpu: per10k(result.cpuSeconds, MESSAGES), peakRss: result.peakRssMb };
        await baselineQueue.delete();
      }
      return figures;
    },
  };
}

export const scenarios: readonly BenchScenario[] = [
  sqsDrain(1, { BatchSize: 10 }),
  sqsDrain(4, { BatchSize: 10 }),
  sqsDrain(16, { BatchSize: 10 }),
  sqsDrain(4, { BatchSize: 100, MaximumBatchingWindowInSeconds: 1 }),
];
