import { RedisCheckpointStore } from '../src/checkpoints/redis-checkpoint-store.js';
import { RedisLeaseStore } from '../src/leases/redis-lease-store.js';
import { FleetSlots } from '../src/concurrency/fleet-slots.js';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AwsClientFactory } from '../src/aws/client-factory.js';
import { ModuleInvoker } from '../src/functions/module-invoker.js';
import type { FunctionDefinition } from '../src/functions/function-definition.js';
import { LambdaFunction } from '../src/functions/lambda-function.js';
import { MappingStatus } from '../src/mappings/mapping-status.js';
import type { PollerContext } from '../src/mappings/poller.js';
import { validateMapping } from '../src/mappings/validate-mapping.js';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';
import { createRedis } from '../src/redis/redis-connection.js';
import { RedisKeys } from '../src/redis/keys.js';
import { createSqsPoller } from '../pollers/sqs/sqs-poller.js';
import { TEST_CREDENTIALS, emulatorClientConfig } from '../test/harness/aws-clients.js';
import { REPO_ROOT } from '../test/harness/repo-root.js';
import type { TestServers } from '../test/harness/servers.js';
import type { BenchResult, BenchScenario } from './scenario.js';

/** Messages per measured run (`BENCH_SQS_MESSAGES` overrides). */
const DEFAULT_MESSAGES = 20_000;
/** Parallel SendMessageBatch calls while filling the queue. */
const FILL_CONCURRENCY = 16;
/** A run that has not drained the queue by then is reported as failed. */
const RUN_TIMEOUT_MS = 300_000;
const ACCOUNT = '000000000000';

interface PollerRun {
  readonly seconds: number;
  readonly batches: number;
  readonly peakPollers: number;
}

/**
 * Messages/s from a full queue through the SQS poller to a no-op module handler (BatchSize 10 without a
 * window, and BatchSize 100 with a 1 s window), beside the ceiling: a bare SDK loop of ReceiveMessage(10) +
 * DeleteMessageBatch with as many concurrent loops as the poller ran, on the same fauxqs in the same run.
 */
export const sqsThroughputScenario: BenchScenario = {
  name: 'sqs-throughput',
  async run(servers: TestServers): Promise<BenchResult[]> {
    // The poller takes credentials from the SDK's default chain, like the service.
    process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
    const messages = Number(process.env.BENCH_SQS_MESSAGES ?? DEFAULT_MESSAGES);
    const sqs = new SQSClient(emulatorClientConfig(servers.fauxqsEndpoint));
    const aws = new AwsClientFactory({ AWS_ENDPOINT_URL_SQS: servers.fauxqsEndpoint, AWS_REGION: servers.region });
    const redis = createRedis(servers.redisUrl, createLogger('silent'), 'bench');
    try {
      const small = await measurePoller({ servers, sqs, aws, redis, messages, mapping: { BatchSize: 10 } });
      const large = await measurePoller({ servers, sqs, aws, redis, messages, mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 1 } });
      const concurrency = Math.max(small.peakPollers, large.peakPollers);
      const ceilingSeconds = await measureBareLoop(sqs, servers, messages, concurrency);
      const ceiling = messages / ceilingSeconds;
      const row = (label: string, run: PollerRun): BenchResult => ({
        label,
        unit: 'msg/s',
        value: messages / run.seconds,
        ceiling,
        details: {
          messages,
          seconds: Number(run.seconds.toFixed(2)),
          invocations: run.batches,
          'peak pollers': run.peakPollers,
          'ceiling loops (ReceiveMessage 10 + DeleteMessageBatch)': concurrency,
        },
      });
      return [
        row('SQS → no-op handler, BatchSize 10', small),
        row('SQS → no-op handler, BatchSize 100, window 1 s', large),
      ];
    } finally {
      sqs.destroy();
      aws.destroy();
      await redis.quit().catch(() => undefined);
    }
  },
};

async function createQueue(sqs: SQSClient, servers: TestServers): Promise<{ url: string; arn: string }> {
  const name = `bench-sqs-${randomUUID().slice(0, 8)}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }));
  return { url: QueueUrl!, arn: `arn:aws:sqs:${servers.region}:${ACCOUNT}:${name}` };
}

async function fill(sqs: SQSClient, url: string, count: number): Promise<void> {
  const batches = Math.ceil(count / 10);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let batch = next++; batch < batches; batch = next++) {
      const size = Math.min(10, count - batch * 10);
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: size }, (_, index) => ({ Id: String(index), MessageBody: `{"n":${batch * 10 + index}}` })),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
}

async function measurePoller(options: {
  servers: TestServers;
  sqs: SQSClient;
  aws: AwsClientFactory;
  redis: ReturnType<typeof createRedis>;
  messages: number;
  mapping: Record<string, unknown>;
}): Promise<PollerRun> {
  const { servers, sqs, aws, redis, messages } = options;
  const queue = await createQueue(sqs, servers);
  await fill(sqs, queue.url, messages);
  const logger = createLogger('warn');
  const metrics = new Metrics({ collectProcessMetrics: false });
  const definition: FunctionDefinition = {
    name: 'bench-noop',
    target: { type: 'handler', file: join(REPO_ROOT, 'test/fixtures/handlers/noop.mjs'), exportName: 'handler' },
    timeoutSeconds: 10,
    memorySizeMb: 128,
  };
  const fn = new LambdaFunction(definition, `arn:aws:lambda:${servers.region}:${ACCOUNT}:function:bench-noop`, new ModuleInvoker(definition, { logger, region: servers.region }), metrics);
  const { mapping } = validateMapping({ FunctionName: definition.name, EventSourceArn: queue.arn, ...options.mapping }, { path: 'bench', functionNames: new Set([definition.name]) });
  if (!mapping) throw new Error('invalid bench mapping');
  const keys = new RedisKeys(`bench-${randomUUID().slice(0, 8)}`);
  const context: PollerContext = {
    mapping,
    fn,
    aws,
    keys,
    checkpoints: new RedisCheckpointStore(redis, keys, mapping.UUID),
    leases: new RedisLeaseStore(redis, keys, mapping.UUID),
    metrics,
    logger,
    status: new MappingStatus(),
    workerId: 'bench',
    drainTimeoutMs: 10_000,
    destinations: { start: async () => undefined, stop: async () => undefined, enqueue: () => Promise.reject(new Error('unused')) },
    fleetSize: () => 1,
    slots: new FleetSlots(redis, 'bench', logger),
    streamIdlePollIntervalMs: 1_000,
  };
  const labels = { mapping: mapping.UUID, function: definition.name, source: 'sqs' };
  const read = async (name: string, suffix = ''): Promise<number> => {
    const { values } = await metrics.registry.getSingleMetric(name)!.get();
    return values
      .filter((entry) => entry.labels['mapping'] === labels.mapping && ((entry as { metricName?: string }).metricName ?? name) === `${name}${suffix}`)
      .reduce((sum, entry) => sum + entry.value, 0);
  };
  const poller = createSqsPoller(context);
  const started = performance.now();
  await poller.start();
  let peakPollers = 0;
  try {
    for (;;) {
      peakPollers = Math.max(peakPollers, await read('esm_pollers'));
      if ((await read('esm_deleted_events_total')) >= messages) break;
      if (performance.now() - started > RUN_TIMEOUT_MS) throw new Error(`SQS bench run did not drain ${messages} messages in time`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, batches: await read('esm_batch_size', '_count'), peakPollers };
  } finally {
    await poller.stop();
    await fn.close();
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url })).catch(() => undefined);
  }
}

/** Seconds the bare SDK needs to receive and delete `messages` with `concurrency` loops. */
async function measureBareLoop(sqs: SQSClient, servers: TestServers, messages: number, concurrency: number): Promise<number> {
  const queue = await createQueue(sqs, servers);
  await fill(sqs, queue.url, messages);
  let deleted = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (deleted < messages) {
      if (performance.now() - started > RUN_TIMEOUT_MS) throw new Error('bare SQS loop did not drain the queue in time');
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
      );
      if (Messages.length === 0) continue;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
      deleted += Messages.length;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, loop));
  const seconds = (performance.now() - started) / 1000;
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url })).catch(() => undefined);
  return seconds;
}
