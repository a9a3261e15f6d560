import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AwsClientFactory } from '../../../src/aws/client-factory.js';
import {
  DestinationQueue,
  type DestinationQueueOptions,
} from '../../../src/destinations/destination-queue.js';
import type { FailureDelivery } from '../../../src/destinations/on-failure-destination.js';
import { buildStreamFailureRecord } from '../../../src/destinations/stream-failure-record.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import type { TestServers } from '../../harness/servers.js';
import { uniqueName } from '../../harness/unique-name.js';

/** One destinations instance under test with what it reports: parsed log lines and its own metrics. */
export interface DestinationsUnderTest {
  readonly destinations: DestinationQueue;
  readonly metrics: Metrics;
  readonly logs: Record<string, unknown>[];
}

/**
 * Builds instances, by default on one Redis key prefix (so a second instance sees the first one's jobs; every
 * running worker competes for them), and stops them all.
 */
export class DestinationsFixture {
  readonly keys = new RedisKeys(uniqueName('h7dest'));
  readonly aws: AwsClientFactory;
  private readonly started: DestinationQueue[] = [];

  constructor(private readonly servers: TestServers) {
    this.aws = new AwsClientFactory({ AWS_ENDPOINT_URL: servers.fauxqsEndpoint, AWS_REGION: servers.region });
  }

  create(
    options: Partial<Pick<DestinationQueueOptions, 'attempts' | 'backoffMs' | 'maxBackoffMs' | 'concurrency'>> = {},
    keys: RedisKeys = this.keys,
  ): DestinationsUnderTest {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const metrics = new Metrics({ collectProcessMetrics: false });
    const destinations = new DestinationQueue({
      redis: { url: this.servers.redisUrl },
      keys,
      aws: this.aws,
      metrics,
      logger,
      ...options,
    });
    this.started.push(destinations);
    return { destinations, metrics, logs };
  }

  /** An instance on a prefix of its own: no other worker of this fixture takes its jobs. */
  createIsolated(options: Parameters<DestinationsFixture['create']>[0] = {}): DestinationsUnderTest {
    return this.create(options, new RedisKeys(uniqueName('h7dest')));
  }

  async close(): Promise<void> {
    await Promise.all(this.started.map((destinations) => destinations.stop()));
    this.aws.destroy();
  }
}

/** A delivery of a Kinesis RetryAttemptsExhausted record, as the stream engine hands it over. */
export function kinesisDelivery(destinationArn: string, overrides: Partial<FailureDelivery> = {}): FailureDelivery {
  const mappingUuid = randomUUID();
  const record = buildStreamFailureRecord({
    requestId: randomUUID(),
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:t-fn',
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: 3,
    response: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    batchInfoKey: 'KinesisBatchInfo',
    batchInfo: {
      shardId: 'shardId-000000000001',
      startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
      endSequenceNumber: '49601189658422359378836298522902373528957594348623495186',
      approximateArrivalOfFirstRecord: '2019-11-14T00:38:04.835Z',
      approximateArrivalOfLastRecord: '2019-11-14T00:38:05.580Z',
      batchSize: 3,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/t-stream',
    },
    timestamp: new Date('2019-11-14T00:38:06.021Z'),
  });
  return {
    destinationArn,
    record,
    payload: JSON.stringify({ Records: [{ kinesis: { data: 'eyJhIjoxfQ==', partitionKey: 'k' } }] }),
    eventCount: 3,
    mappingUuid,
    functionName: 't-fn',
    source: 'kinesis',
    shardId: 'shardId-000000000001',
    ...overrides,
  };
}

/** Value of a mapping-labelled counter for one mapping (0 when never incremented). */
export async function counterValue(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  mappingUuid: string,
): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => v.labels.mapping === mappingUuid).reduce((sum, v) => sum + v.value, 0);
}

/** `esm_destination_queue_jobs` by state, as a scrape sees it. */
export async function queueJobs(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.destinationQueueJobs.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.state), v.value]));
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`no QueueArn for ${queueUrl}`);
  return arn;
}

/** Receives (and keeps receiving into `into`) the bodies of messages on a queue; returns all seen so far. */
export async function receiveBodies(sqs: SQSClient, queueUrl: string, into: string[]): Promise<string[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  for (const message of out.Messages ?? []) into.push(message.Body ?? '');
  return into;
}
