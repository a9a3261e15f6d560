import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { AwsClientFactory } from '../../../src/aws/client-factory.js';
import type { OnFailureDestinations } from '../../../src/destinations/on-failure-destination.js';
import type { Invoker } from '../../../src/functions/invoker.js';
import { LambdaFunction } from '../../../src/functions/lambda-function.js';
import type { EventSourceMapping } from '../../../src/mappings/event-source-mapping.js';
import { MappingStatus } from '../../../src/mappings/mapping-status.js';
import type { Poller, PollerContext } from '../../../src/mappings/poller.js';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import { dynamodbStreamsPollerFactory } from '../../../pollers/dynamodb-streams/dynamodb-poller.js';
import type { StreamPollerOptions } from '../../../pollers/streams/stream-poller.js';
import type { TestServers } from '../../harness/servers.js';
import { uniqueName } from '../../harness/unique-name.js';
import { FAST_LEASES, MemoryDestinations, type PollerUnderTest, type ScriptedInvoker } from '../kinesis/kinesis-fixture.js';

/** One DynamoDB Streams event record as a function receives it. */
export interface DynamodbEventRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, Record<string, unknown>>;
    NewImage?: Record<string, Record<string, unknown>>;
    OldImage?: Record<string, Record<string, unknown>>;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: string;
  };
  eventSourceARN: string;
}

/** Every DynamoDB record a scripted function received, in delivery order. */
export function deliveredRecords(invoker: ScriptedInvoker): DynamodbEventRecord[] {
  return invoker.events.flatMap((event) => event.Records as unknown as DynamodbEventRecord[]);
}

/**
 * Tables with streams, mappings and pollers of one test file on the shared DynamoDB Local and Redis: unique
 * table names and Redis prefixes, everything stopped, deleted and closed by {@link close}.
 */
export class DynamodbFixture {
  readonly aws: AwsClientFactory;
  readonly keys = new RedisKeys(uniqueName('h8'));
  private readonly redisConnections: Redis[] = [];
  private readonly pollers: Poller[] = [];
  private readonly tables: string[] = [];

  constructor(
    readonly servers: TestServers,
    readonly dynamodb: DynamoDBClient,
  ) {
    this.aws = new AwsClientFactory({
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: servers.dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: servers.fauxqsEndpoint,
      AWS_ENDPOINT_URL_SNS: servers.fauxqsEndpoint,
      AWS_ENDPOINT_URL_S3: servers.fauxqsEndpoint,
      AWS_REGION: servers.region,
    });
  }

  /** Creates a table keyed by `pk` (string) with a NEW_AND_OLD_IMAGES stream; returns its stream ARN. */
  async createTable(): Promise<{ name: string; streamArn: string }> {
    const name = uniqueName('t-table');
    const out = await this.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    this.tables.push(name);
    const streamArn = out.TableDescription?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${name} has no stream`);
    return { name, streamArn };
  }

  /** What the stream holds now, read directly (one shard: a new table's stream has one). */
  async streamContents(streams: DynamoDBStreamsClient, streamArn: string): Promise<{ shardId: string; sequenceNumbers: string[] }> {
    const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const shards = description.StreamDescription?.Shards ?? [];
    if (shards.length !== 1) throw new Error(`expected one shard, found ${shards.length}`);
    const shardId = shards[0]!.ShardId!;
    const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const out = await streams.send(new GetRecordsCommand({ ShardIterator }));
    return { shardId, sequenceNumbers: (out.Records ?? []).map((record) => record.dynamodb!.SequenceNumber!) };
  }

  /** A mapping with AWS defaults for a DynamoDB stream. */
  mapping(streamArn: string, overrides: Partial<EventSourceMapping> = {}): EventSourceMapping {
    return {
      UUID: randomUUID(),
      FunctionName: 't-fn',
      EventSourceArn: streamArn,
      sourceKind: 'dynamodb',
      fifo: false,
      Enabled: true,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: [],
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: false,
      TumblingWindowInSeconds: 0,
      ...overrides,
    };
  }

  /** Builds (does not start) a DynamoDB Streams poller from real parts around `invoker`. */
  poller(
    mapping: EventSourceMapping,
    invoker: Invoker,
    options: { workerId?: string; destinations?: OnFailureDestinations; poller?: StreamPollerOptions } = {},
  ): PollerUnderTest {
    const logs: Record<string, unknown>[] = [];
    const logger: Logger = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const metrics = new Metrics({ collectProcessMetrics: false });
    const redis = createRedis(this.servers.redisUrl, logger, 't-test');
    this.redisConnections.push(redis);
    const fn = new LambdaFunction(
      { name: mapping.FunctionName, target: { type: 'url', url: 'http://127.0.0.1:9/' }, timeoutSeconds: 3, memorySizeMb: 128 },
      `arn:aws:lambda:us-east-1:000000000000:function:${mapping.FunctionName}`,
      invoker,
      metrics,
    );
    const status = new MappingStatus();
    const context: PollerContext = {
      mapping,
      fn,
      aws: this.aws,
      redis,
      keys: this.keys,
      metrics,
      logger: logger.child({ esmUuid: mapping.UUID }),
      status,
      workerId: options.workerId ?? uniqueName('worker'),
      drainTimeoutMs: 5_000,
      redisUrl: this.servers.redisUrl,
      destinations: options.destinations ?? new MemoryDestinations(),
      streamIdlePollIntervalMs: 100,
    };
    const poller = dynamodbStreamsPollerFactory(options.poller ?? FAST_LEASES)(context);
    this.pollers.push(poller);
    return { poller, context, logs, metrics, status };
  }

  async close(): Promise<void> {
    await Promise.all(this.pollers.map((poller) => poller.stop()));
    for (const redis of this.redisConnections) redis.disconnect();
    await Promise.all(this.tables.map((name) => this.dynamodb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)));
    this.aws.destroy();
  }
}
