import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Invoker } from '../../../src/functions/invoker.js';
import type { EventSourceMapping } from '../../../src/mappings/event-source-mapping.js';
import { dynamodbStreamsPollerFactory } from '../../../pollers/dynamodb-streams/dynamodb-poller.js';
import type { TestServers } from '../../harness/servers.js';
import { StreamPollerFixture, type PollerUnderTest, type StreamPollerOptionsUnderTest } from '../../harness/stream-poller-fixture.js';
import { uniqueName } from '../../harness/unique-name.js';
import { FAST_LEASES, MemoryDestinations, type ScriptedInvoker } from '../kinesis/kinesis-fixture.js';

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
export class DynamodbFixture extends StreamPollerFixture {
  private readonly tables: string[] = [];

  constructor(
    servers: TestServers,
    readonly dynamodb: DynamoDBClient,
  ) {
    super(servers, 'dynamodb', dynamodbStreamsPollerFactory, { AWS_ENDPOINT_URL_DYNAMODB_STREAMS: servers.dynamodbEndpoint });
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

  /** Builds (does not start) a DynamoDB Streams poller from real parts around `invoker`. */
  poller(mapping: EventSourceMapping, invoker: Invoker, options: Partial<StreamPollerOptionsUnderTest> = {}): PollerUnderTest {
    return this.build(mapping, invoker, { ...options, destinations: options.destinations ?? new MemoryDestinations(), poller: options.poller ?? FAST_LEASES });
  }

  /** Stops the pollers, then deletes the tables. */
  override async close(): Promise<void> {
    await super.close();
    await Promise.all(this.tables.map((name) => this.dynamodb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)));
  }
}
