import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import { RedisLeaseStore } from '../../../src/leases/redis-lease-store.js';
import { FleetSlots } from '../../../src/concurrency/fleet-slots.js';
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AwsClientFactory } from '../../../src/aws/client-factory.js';
import { createInvoker } from '../../../src/functions/create-invoker.js';
import type { FunctionDefinition, FunctionTarget } from '../../../src/functions/function-definition.js';
import { LambdaFunction } from '../../../src/functions/lambda-function.js';
import type { EventSourceMapping } from '../../../src/mappings/event-source-mapping.js';
import { MappingStatus } from '../../../src/mappings/mapping-status.js';
import type { Poller, PollerContext } from '../../../src/mappings/poller.js';
import { validateMapping } from '../../../src/mappings/validate-mapping.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import type { OnFailureDestinations } from '../../../src/destinations/on-failure-destination.js';
import { createSqsPoller } from '../../../pollers/sqs/sqs-poller.js';
import { TEST_CREDENTIALS, testClients, type TestClients } from '../../harness/aws-clients.js';
import type { TestServers } from '../../harness/servers.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

// The service gets credentials from the SDK's default chain (the environment); so do pollers under test.
process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;

/** The account of every fauxqs queue ARN. */
const ACCOUNT = '000000000000';
/** SendMessageBatch payload limit (1 MiB) less room for attributes. */
const SEND_BATCH_MAX_BYTES = 1_000_000;

export interface TestQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** Its dead-letter queue, when created with one. */
  readonly dlq?: TestQueue;
}

export interface QueueOptions {
  readonly fifo?: boolean;
  /** Seconds. @defaultValue 30 */
  readonly visibilityTimeout?: number;
  /** Creates a dead-letter queue and a redrive policy with this maxReceiveCount. */
  readonly maxReceiveCount?: number;
}

/** A message to send: a body, or a body with FIFO group / attributes. */
export type OutgoingMessage =
  | string
  | { readonly body: string; readonly groupId?: string; readonly attributes?: Record<string, MessageAttributeValue> };

export interface PollerOptions {
  readonly queue: TestQueue;
  /** Raw CreateEventSourceMapping fields over FunctionName/EventSourceArn (validated like the service does). */
  readonly mapping?: Record<string, unknown>;
  readonly target: FunctionTarget;
  /** @defaultValue 1 */
  readonly timeoutSeconds?: number;
  readonly reservedConcurrency?: number;
  /** @defaultValue 10000 */
  readonly drainTimeoutMs?: number;
}

/** One poller running in this process, with what it reports. */
export interface PollerUnderTest {
  readonly poller: Poller;
  readonly mapping: EventSourceMapping;
  readonly metrics: Metrics;
  readonly status: MappingStatus;
  /** Parsed log lines. */
  readonly logs: Record<string, unknown>[];
  /** Value of a counter or gauge of this mapping (0 when never set). */
  metric(name: string): Promise<number>;
  /** Sum and count of a histogram of this mapping, over every `outcome` unless one is given. */
  histogram(name: string, outcome?: string): Promise<{ sum: number; count: number }>;
}

/**
 * Real parts for in-process SQS poller tests: queues on fauxqs, the AWS client factory as the service builds
 * it, a real Redis connection, our metrics and logger, and a LambdaFunction with a real invoker. Everything
 * started through it is stopped by {@link close}.
 */
export class SqsTestBed {
  readonly clients: TestClients;
  private readonly aws: AwsClientFactory;
  private readonly redis: Redis;
  private readonly slots: FleetSlots;
  private readonly pollers: Poller[] = [];
  private readonly functions: LambdaFunction[] = [];

  constructor(private readonly servers: TestServers) {
    this.clients = testClients(servers);
    this.aws = new AwsClientFactory({ AWS_ENDPOINT_URL_SQS: servers.fauxqsEndpoint, AWS_REGION: servers.region });
    this.redis = createRedis(servers.redisUrl, createLogger('silent'), 'sqs-test');
    this.slots = new FleetSlots(this.redis, uniqueName('bed'), createLogger('silent'));
  }

  get sqs(): SQSClient {
    return this.clients.sqs;
  }

  /** The SQS client the pollers use (built by AwsClientFactory, so calls are cancelled through `withSignal`). */
  get pollerSqs(): SQSClient {
    return this.aws.sqs();
  }

  async createQueue(prefix: string, options: QueueOptions = {}): Promise<TestQueue> {
    const dlq = options.maxReceiveCount !== undefined ? await this.createQueue(`${prefix}-dlq`, { fifo: options.fifo ?? false }) : undefined;
    const name = `${uniqueName(prefix)}${options.fifo ? '.fifo' : ''}`;
    const attributes: Record<string, string> = { VisibilityTimeout: String(options.visibilityTimeout ?? 30) };
    if (options.fifo) attributes.FifoQueue = 'true';
    if (options.fifo) attributes.ContentBasedDeduplication = 'true';
    if (dlq) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: options.maxReceiveCount });
    const { QueueUrl } = await this.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return { name, url: QueueUrl!, arn: `arn:aws:sqs:${this.servers.region}:${ACCOUNT}:${name}`, ...(dlq ? { dlq } : {}) };
  }

  /** Sends messages in order (batches of up to 10 and under SQS's 1 MiB per request); returns their ids in order. */
  async send(queue: TestQueue, messages: readonly OutgoingMessage[]): Promise<string[]> {
    const ids: string[] = [];
    const bodyBytes = (message: OutgoingMessage) => Buffer.byteLength(typeof message === 'string' ? message : message.body);
    for (let start = 0; start < messages.length; ) {
      let end = start + 1;
      let bytes = bodyBytes(messages[start]!);
      while (end < messages.length && end - start < 10 && bytes + bodyBytes(messages[end]!) < SEND_BATCH_MAX_BYTES) bytes += bodyBytes(messages[end++]!);
      const chunk = messages.slice(start, end);
      start = end;
      const response = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: chunk.map((message, index) => {
            const spec = typeof message === 'string' ? { body: message } : message;
            return {
              Id: String(index),
              MessageBody: spec.body,
              ...(spec.groupId !== undefined ? { MessageGroupId: spec.groupId } : {}),
              ...(spec.attributes ? { MessageAttributes: spec.attributes } : {}),
            };
          }),
        }),
      );
      if ((response.Failed ?? []).length > 0) throw new Error(`send failed: ${JSON.stringify(response.Failed)}`);
      const byId = new Map((response.Successful ?? []).map((entry) => [entry.Id, entry.MessageId!]));
      chunk.forEach((_, index) => ids.push(byId.get(String(index))!));
    }
    return ids;
  }

  /** Visible and in-flight message counts. */
  async counts(queue: TestQueue): Promise<{ visible: number; inFlight: number }> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
  }

  /** Waits until the queue holds no message at all (visible or in flight). */
  async waitEmpty(queue: TestQueue, timeoutMs = 15_000): Promise<void> {
    await waitFor(async () => {
      const { visible, inFlight } = await this.counts(queue);
      return visible === 0 && inFlight === 0;
    }, { timeoutMs, message: `queue ${queue.name} empty` });
  }

  /** Receives what is visible now (one receive of up to 10, with every attribute). */
  async receive(queue: TestQueue, waitTimeSeconds = 0): Promise<Message[]> {
    const response = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return response.Messages ?? [];
  }

  /** Builds a poller for `options` the way the service does, and starts it. */
  async startPoller(options: PollerOptions): Promise<PollerUnderTest> {
    const built = this.buildPoller(options);
    await built.poller.start();
    return built;
  }

  /** Builds a poller without starting it. */
  buildPoller(options: PollerOptions): PollerUnderTest {
    const functionName = uniqueName('fn');
    const definition: FunctionDefinition = {
      name: functionName,
      target: options.target,
      timeoutSeconds: options.timeoutSeconds ?? 1,
      memorySizeMb: 128,
      ...(options.reservedConcurrency !== undefined ? { reservedConcurrency: options.reservedConcurrency } : {}),
    };
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const metrics = new Metrics({ collectProcessMetrics: false });
    const invoker = createInvoker(definition, { aws: this.aws, logger, region: this.servers.region });
    const fn = new LambdaFunction(definition, `arn:aws:lambda:${this.servers.region}:${ACCOUNT}:function:${functionName}`, invoker, metrics);
    this.functions.push(fn);
    const { mapping, issues } = validateMapping(
      { FunctionName: functionName, EventSourceArn: options.queue.arn, ...options.mapping },
      { path: 'mapping', functionNames: new Set([functionName]) },
    );
    if (!mapping) throw new Error(`invalid mapping: ${JSON.stringify(issues)}`);
    const status = new MappingStatus();
    const uuid = randomUUID();
    const keys = new RedisKeys(uniqueName('sqs'));
    const context: PollerContext = {
      mapping: { ...mapping, UUID: uuid },
      fn,
      aws: this.aws,
      keys,
      checkpoints: new RedisCheckpointStore(this.redis, keys, uuid),
      leases: new RedisLeaseStore(this.redis, keys, uuid),
      metrics,
      logger: logger.child({ esmUuid: uuid, function: functionName, source: 'sqs' }),
      status,
      workerId: uniqueName('worker'),
      drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
      destinations: NO_DESTINATIONS,
      fleetSize: () => 1,
      slots: this.slots,
      streamIdlePollIntervalMs: 1_000,
    };
    const poller = createSqsPoller(context);
    this.pollers.push(poller);
    const labels = { mapping: uuid, function: functionName, source: 'sqs' };
    return {
      poller,
      mapping: context.mapping,
      metrics,
      status,
      logs,
      async metric(name) {
        const metric = metrics.registry.getSingleMetric(name);
        if (!metric) throw new Error(`no metric ${name}`);
        const { values } = await metric.get();
        const value = values.find((entry) => Object.entries(labels).every(([key, label]) => entry.labels[key] === label));
        return value?.value ?? 0;
      },
      async histogram(name, outcome) {
        const metric = metrics.registry.getSingleMetric(name);
        if (!metric) throw new Error(`no metric ${name}`);
        const { values } = await metric.get();
        const wanted: Record<string, string> = outcome === undefined ? labels : { ...labels, outcome };
        const mine = values.filter((entry) => Object.entries(wanted).every(([key, label]) => entry.labels[key] === label));
        const pick = (suffix: string) =>
          mine.filter((entry) => (entry as { metricName?: string }).metricName === `${name}${suffix}`).reduce((sum, entry) => sum + entry.value, 0);
        return { sum: pick('_sum'), count: pick('_count') };
      },
    };
  }

  /** Stops every poller, closes functions, clients and the Redis connection. */
  async close(): Promise<void> {
    await Promise.allSettled(this.pollers.map((poller) => poller.stop()));
    await Promise.allSettled(this.functions.map((fn) => fn.close()));
    this.aws.destroy();
    this.clients.destroy();
    await this.slots.close();
    await this.redis.quit().catch(() => undefined);
  }
}

/** SQS mappings have no on-failure destination: any use is a bug. */
const NO_DESTINATIONS: OnFailureDestinations = {
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
  enqueue: () => Promise.reject(new Error('SQS mappings have no on-failure destination')),
};

/** Records of every event a recording target received, flattened, in arrival order. */
export function recordsOf(events: readonly unknown[]): SqsEventRecord[] {
  return events.flatMap((event) => (event as { Records: SqsEventRecord[] }).Records);
}

export interface SqsEventRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Record<string, string>;
  readonly messageAttributes: Record<string, unknown>;
  readonly md5OfMessageAttributes: string | null;
  readonly md5OfBody: string;
  readonly eventSource: string;
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}
