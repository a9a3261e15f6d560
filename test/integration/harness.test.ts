import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand as GetKinesisRecordsCommand,
  GetShardIteratorCommand as GetKinesisShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { testClients } from '../harness/aws-clients.js';
import { portAccepts } from '../harness/local-server.js';
import { startRecordingTarget } from '../harness/recording-target.js';
import { startRedisServer } from '../harness/redis-server.js';
import { selectServers } from '../harness/test-stack.js';
import { uniqueName } from '../harness/unique-name.js';
import { waitFor, WaitTimeoutError } from '../harness/wait-for.js';

const servers = inject('servers');
const clients = testClients(servers);

afterAll(() => clients.destroy());

describe('test harness servers', () => {
  it('fauxqs sends and receives an SQS message', async () => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('harness') }));
    await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
    expect(Messages?.map((message) => message.Body)).toEqual(['hello']);
  });

  it('kinesis-local stores and returns a record', async () => {
    const StreamName = uniqueName('harness');
    await clients.kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    await waitFor(async () => {
      const { StreamDescriptionSummary } = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
      return StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
    });
    await clients.kinesis.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: Buffer.from('record-1') }));
    const { Shards } = await clients.kinesis.send(new ListShardsCommand({ StreamName }));
    const { ShardIterator } = await clients.kinesis.send(
      new GetKinesisShardIteratorCommand({ StreamName, ShardId: Shards![0]!.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await clients.kinesis.send(new GetKinesisRecordsCommand({ ShardIterator }));
    expect(Records?.map((record) => Buffer.from(record.Data!).toString())).toEqual(['record-1']);
  });

  it('DynamoDB Local streams an inserted item', async () => {
    const TableName = uniqueName('harness');
    const { TableDescription } = await clients.dynamodb.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    await clients.dynamodb.send(new PutItemCommand({ TableName, Item: { id: { S: 'item-1' } } }));
    const StreamArn = TableDescription!.LatestStreamArn!;
    const { StreamDescription } = await clients.dynamodbStreams.send(new DescribeStreamCommand({ StreamArn }));
    const { ShardIterator } = await clients.dynamodbStreams.send(
      new GetShardIteratorCommand({ StreamArn, ShardId: StreamDescription!.Shards![0]!.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await clients.dynamodbStreams.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records?.map((record) => [record.eventName, record.dynamodb?.Keys?.id?.S])).toEqual([['INSERT', 'item-1']]);
  });

  it('redis-server answers SET and GET', async () => {
    expect(servers.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const redis = new Redis(servers.redisUrl);
    try {
      const key = uniqueName('harness');
      await redis.set(key, 'value');
      expect(await redis.get(key)).toBe('value');
    } finally {
      redis.disconnect();
    }
  });

  it('a test can start and stop its own redis-server', async () => {
    const own = await startRedisServer();
    await own.stop();
    expect(own.process.running).toBe(false);
    await expect(portAccepts(own.port)).rejects.toThrow();
  });
});

describe('waitFor', () => {
  it('returns the first truthy value of the probe', async () => {
    let calls = 0;
    expect(await waitFor(() => (++calls >= 3 ? calls : 0), { intervalMs: 1 })).toBe(3);
  });

  it('throws with its message and the last error on the deadline', async () => {
    const failure = waitFor(
      () => {
        throw new Error('still broken');
      },
      { timeoutMs: 100, intervalMs: 10, message: 'queue never drained' },
    );
    await expect(failure).rejects.toThrow(WaitTimeoutError);
    await expect(failure).rejects.toThrow(/queue never drained.*still broken/);
  });
});

describe('names and selection', () => {
  it('uniqueName gives distinct names valid for queues, streams and tables', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('my.prefix')));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^my-prefix-[a-z0-9]{12}$/);
  });

  it('ESM_TEST_SERVERS selects servers and rejects unknown names', () => {
    expect(selectServers(undefined)).toEqual(['redis', 'fauxqs', 'kinesis', 'dynamodb']);
    expect(selectServers(' redis, Fauxqs ,redis')).toEqual(['redis', 'fauxqs']);
    expect(selectServers('none')).toEqual([]);
    expect(() => selectServers('redis,sqs')).toThrow('unknown server "sqs"');
  });
});

describe('recording target', () => {
  it('records concurrent events and answers as told', async () => {
    const target = await startRecordingTarget((_event, index) => ({ status: 200, body: { index }, delayMs: 200 }));
    try {
      const post = (body: unknown) => fetch(target.url, { method: 'POST', body: JSON.stringify(body) }).then((response) => response.json());
      const answers = await Promise.all([post({ n: 1 }), post({ n: 2 })]);
      expect(answers.map((answer) => (answer as { index: number }).index).sort()).toEqual([0, 1]);
      expect(target.events).toHaveLength(2);
      expect(target.events).toContainEqual({ n: 1 });
      expect(target.peakConcurrency).toBe(2);
    } finally {
      await target.close();
    }
  });
});
