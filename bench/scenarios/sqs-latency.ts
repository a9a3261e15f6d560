import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { sleep } from '../../src/runtime/backoff.js';
import type { BenchScenario, RunFigures, ScenarioContext } from '../scenario.js';
import { drainWithBareLoop } from '../baselines/sqs-bare-loop.js';
import { BenchQueue } from '../sqs-bench-queue.js';
import { epochMs } from '../process-sampler.js';
import { ServiceUnderTest } from '../service-under-test.js';
import { percentile } from '../statistics.js';

/** Messages sent per measurement, one every {@link SEND_INTERVAL_MS}. */
const SAMPLES = 200;
const SEND_INTERVAL_MS = 50;
/** Long pollers of the bare loop: as many as the service starts with (its scaler's initial 5). */
const BARE_LOOPS = 5;

/** Sends one message every 50 ms, each carrying its send time; returns when all were sent. */
async function trickle(queue: BenchQueue, sqs: ScenarioContext['clients']['sqs']): Promise<void> {
  for (let sample = 0; sample < SAMPLES; sample++) {
    const next = epochMs() + SEND_INTERVAL_MS;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ sentAt: epochMs() }) }));
    await sleep(Math.max(0, next - epochMs()));
  }
}

/**
 * SendMessage → handler start on an idle queue, one message every 50 ms: the service at its defaults (5 long-polling
 * pollers, BatchSize 10, no window) beside 5 bare long-poll loops (ReceiveMessage with WaitTimeSeconds 20).
 */
export const scenarios: readonly BenchScenario[] = [
  {
    name: 'sqs-latency',
    title: `SQS send → handler start, one message every ${SEND_INTERVAL_MS} ms`,
    servers: ['redis', 'fauxqs'],
    metrics: [
      { key: 'p50', label: 'latency p50', unit: 'ms', better: 'lower' },
      { key: 'p99', label: 'latency p99', unit: 'ms', better: 'lower' },
    ],
    async run({ servers, clients, profileDir }: ScenarioContext): Promise<RunFigures> {
      const sqs = clients.sqs;
      const figures: RunFigures = {};

      const queue = await BenchQueue.create(sqs);
      const service = await ServiceUnderTest.start({ servers, mappings: [{ EventSourceArn: queue.arn, BatchSize: 10 }], latency: true, ...(profileDir ? { profileDir } : {}) });
      try {
        // The pollers are parked in their long polls once a first message went through.
        await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ sentAt: epochMs() }) }));
        await service.awaitRecords(1);
        await sleep(500);
        const warmup = service.invocations().length;
        await trickle(queue, sqs);
        const invocations = (await service.awaitRecords(SAMPLES + 1)).slice(warmup);
        const latencies = invocations.flatMap((invocation) => (invocation.sent ?? []).map((sentAt) => invocation.start - sentAt));
        figures['esm-poller'] = { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
      } finally {
        await service.stop();
        await queue.delete();
      }

      const bareQueue = await BenchQueue.create(sqs);
      const latencies: number[] = [];
      const draining = drainWithBareLoop(sqs, bareQueue.url, {
        messages: SAMPLES,
        concurrency: BARE_LOOPS,
        waitTimeSeconds: 20,
        onReceive: (message, receivedAt) => latencies.push(receivedAt - (JSON.parse(message.Body!) as { sentAt: number }).sentAt),
      });
      await sleep(500);
      await trickle(bareQueue, sqs);
      await draining;
      figures['bare-loop'] = { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
      await bareQueue.delete();
      return figures;
    },
  },
];
