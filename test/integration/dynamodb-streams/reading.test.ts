import { BatchWriteItemCommand, DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis, type Redis } from '../../../src/redis/redis-connection.js';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { counterValue, ScriptedInvoker } from '../kinesis/kinesis-fixture.js';
import { deliveredRecords, DynamodbFixture } from './dynamodb-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

const EVENT_KEYS = ['eventID', 'eventName', 'eventVersion', 'eventSource', 'awsRegion', 'dynamodb', 'eventSourceARN'];

describe('DynamoDB Streams reading, events and checkpoints', () => {
  let fixture: DynamodbFixture;
  let redis: Redis;

  beforeAll(() => {
    fixture = new DynamodbFixture(servers, clients.dynamodb);
    redis = createRedis(servers.redisUrl, createLogger('silent'), 't-reading');
  });

  afterAll(async () => {
    await fixture?.close();
    redis?.disconnect();
    clients.destroy();
  });

  async function put(table: string, pk: string, n: number, extra: Record<string, { B: Uint8Array }> = {}): Promise<void> {
    await clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, n: { N: String(n) }, ...extra } }));
  }

  async function update(table: string, pk: string, n: number): Promise<void> {
    await clients.dynamodb.send(
      new UpdateItemCommand({ TableName: table, Key: { pk: { S: pk } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: String(n) } } }),
    );
  }

  async function remove(table: string, pk: string): Promise<void> {
    await clients.dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk } } }));
  }

  it('delivers INSERT, MODIFY and REMOVE in order with their images, shaped as AWS events', async () => {
    const table = await fixture.createTable();
    const bytes = Uint8Array.from([0xff, 0x00, 0xfe, 0x80]);
    const before = Math.floor(Date.now() / 1000);
    await put(table.name, 'a', 1, { bin: { B: bytes } });
    await update(table.name, 'a', 2);
    await remove(table.name, 'a');
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(fixture.mapping(table.streamArn), invoker);

    await subject.poller.start();

    await waitFor(() => deliveredRecords(invoker).length >= 3, { message: 'not every change was delivered' });
    const records = deliveredRecords(invoker);
    expect(records).toHaveLength(3);
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const bin = { B: Buffer.from(bytes).toString('base64') };
    const [insert, modify, removal] = records as [(typeof records)[0], (typeof records)[0], (typeof records)[0]];
    expect(insert.dynamodb.NewImage).toEqual({ pk: { S: 'a' }, n: { N: '1' }, bin });
    expect(insert.dynamodb).not.toHaveProperty('OldImage');
    expect(modify.dynamodb.OldImage).toEqual({ pk: { S: 'a' }, n: { N: '1' }, bin });
    expect(modify.dynamodb.NewImage).toEqual({ pk: { S: 'a' }, n: { N: '2' }, bin });
    expect(removal.dynamodb.OldImage).toEqual({ pk: { S: 'a' }, n: { N: '2' }, bin });
    expect(removal.dynamodb).not.toHaveProperty('NewImage');
    for (const record of records) {
      expect(Object.keys(record)).toEqual(EVENT_KEYS);
      expect(record).toMatchObject({
        eventID: expect.stringMatching(/^[0-9a-f-]{32,36}$/),
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'ddblocal',
        eventSourceARN: table.streamArn,
      });
      const { dynamodb } = record;
      expect(Object.keys(dynamodb)).toEqual(
        ['ApproximateCreationDateTime', 'Keys', 'NewImage', 'OldImage', 'SequenceNumber', 'SizeBytes', 'StreamViewType'].filter((key) => key in dynamodb),
      );
      expect(dynamodb.Keys).toEqual({ pk: { S: 'a' } });
      expect(dynamodb.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
      expect(dynamodb.SizeBytes).toBeGreaterThan(0);
      // Epoch seconds (DynamoDB Local rounds down to the minute).
      expect(Number.isInteger(dynamodb.ApproximateCreationDateTime)).toBe(true);
      expect(dynamodb.ApproximateCreationDateTime).toBeGreaterThanOrEqual(before - 60);
      expect(dynamodb.ApproximateCreationDateTime).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    }
    const sequenceNumbers = records.map((record) => BigInt(record.dynamodb.SequenceNumber));
    expect(sequenceNumbers.every((value, index) => index === 0 || value > sequenceNumbers[index - 1]!)).toBe(true);
  });

  it('ParallelizationFactor 3 routes by item key: several batches in flight, each item in order', async () => {
    const table = await fixture.createTable();
    const items = Array.from({ length: 9 }, (_, i) => `item-${i}`);
    for (let n = 1; n <= 3; n += 1) for (const pk of items) await (n === 1 ? put(table.name, pk, n) : update(table.name, pk, n));
    let running = 0;
    let maxRunning = 0;
    const invoker = new ScriptedInvoker(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 100));
      running -= 1;
      return { kind: 'success' };
    });
    const mapping = fixture.mapping(table.streamArn, { BatchSize: 2, ParallelizationFactor: 3 });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();

    await waitFor(() => deliveredRecords(invoker).length >= 27, { message: 'not every change was delivered' });
    const records = deliveredRecords(invoker);
    expect(records).toHaveLength(27);
    for (const pk of items) {
      const ofItem = records.filter((record) => record.dynamodb.Keys.pk!.S === pk).map((record) => record.dynamodb.NewImage?.n?.N);
      expect(ofItem).toEqual(['1', '2', '3']);
    }
    expect(maxRunning).toBeGreaterThan(1);
    const contents = await fixture.streamContents(clients.dynamodbStreams, table.streamArn);
    const checkpoints = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
    await waitFor(async () => (await checkpoints.get(contents.shardId))?.sequenceNumber === contents.sequenceNumbers.at(-1), {
      message: 'checkpoint did not reach the last record',
    });
  });

  it('checkpoints what was processed and resumes after it once restarted', async () => {
    const table = await fixture.createTable();
    for (const pk of ['a', 'b', 'c']) await put(table.name, pk, 1);
    const mapping = fixture.mapping(table.streamArn, { BatchSize: 2 });
    const first = new ScriptedInvoker();
    const one = fixture.poller(mapping, first);
    await one.poller.start();
    await waitFor(() => deliveredRecords(first).length >= 3, { message: 'first run did not deliver' });
    await one.poller.stop();

    const checkpoints = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
    const afterFirst = await fixture.streamContents(clients.dynamodbStreams, table.streamArn);
    expect((await checkpoints.get(afterFirst.shardId))?.sequenceNumber).toBe(afterFirst.sequenceNumbers[2]);

    await put(table.name, 'd', 1);
    await update(table.name, 'a', 2);
    const second = new ScriptedInvoker();
    const two = fixture.poller(mapping, second);
    await two.poller.start();

    const all = await fixture.streamContents(clients.dynamodbStreams, table.streamArn);
    expect(all.sequenceNumbers).toHaveLength(5);
    await waitFor(async () => (await checkpoints.get(all.shardId))?.sequenceNumber === all.sequenceNumbers[4], {
      message: 'second run did not checkpoint the new changes',
    });
    expect(deliveredRecords(first).map((record) => record.dynamodb.Keys.pk)).toEqual([{ S: 'a' }, { S: 'b' }, { S: 'c' }]);
    expect(first.events.map((event) => event.Records.length)).toEqual([2, 1]);
    expect(deliveredRecords(second).map((record) => [record.eventName, record.dynamodb.SequenceNumber])).toEqual([
      ['INSERT', all.sequenceNumbers[3]],
      ['MODIFY', all.sequenceNumbers[4]],
    ]);
  });

  it('LATEST: what is written while the mapping is stopped, before it delivered anything, is delivered after a restart', async () => {
    const table = await fixture.createTable();
    const mapping = fixture.mapping(table.streamArn, { StartingPosition: 'LATEST' });
    const first = new ScriptedInvoker();
    const one = fixture.poller(mapping, first);
    await one.poller.start();
    await waitFor(() => one.logs.some((line) => line.msg === 'shard_consumer_started'), { message: 'first run did not start reading' });
    await one.poller.stop();

    await put(table.name, 'during-restart', 1);
    const second = new ScriptedInvoker();
    const two = fixture.poller(mapping, second);
    await two.poller.start();
    await waitFor(() => two.logs.some((line) => line.msg === 'shard_consumer_started'), { message: 'second run did not start reading' });
    await put(table.name, 'after-restart', 1);

    await waitFor(() => deliveredRecords(second).some((record) => record.dynamodb.Keys.pk?.S === 'after-restart'), {
      message: 'second run did not deliver',
    });
    expect(deliveredRecords(first)).toEqual([]);
    expect(deliveredRecords(second).map((record) => record.dynamodb.Keys.pk)).toEqual([{ S: 'during-restart' }, { S: 'after-restart' }]);
  });

  it('refuses to start on a stream that does not exist', async () => {
    const table = await fixture.createTable();
    const missing = table.streamArn.replace(/table\/[^/]+\//, 'table/t-missing-table/');
    const subject = fixture.poller(fixture.mapping(missing), new ScriptedInvoker());

    await expect(subject.poller.start()).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: `Stream not found: ${missing}` });
  });

  it('reads the next batch while the function runs when the shard is behind, and delivers every record once, in order', async () => {
    const table = await fixture.createTable();
    // 1,100 changes: one full read (GetRecords returns at most 1,000) and the rest.
    for (let start = 0; start < 1_100; start += 25) {
      const items = Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `k-${start + i}` }, n: { N: String(start + i) } } } }));
      await clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table.name]: items } }));
    }
    const mapping = fixture.mapping(table.streamArn, { BatchSize: 1_000 });
    let readDuringFirstBatch = false;
    const invoker = new ScriptedInvoker(async (_event, index) => {
      // The first batch is held until the rest of the shard was read, or gives up after a while (the test then fails).
      if (index === 0) {
        readDuringFirstBatch = await waitFor(async () => ((await counterValue(subject.metrics.polledEvents, mapping.UUID)) >= 1_100 ? true : undefined), {
          timeoutMs: 15_000,
          message: 'the rest of the shard was not read while the first batch ran',
        }).catch(() => false);
      }
      return { kind: 'success' };
    });
    const subject = fixture.poller(mapping, invoker);
    await subject.poller.start();

    await waitFor(() => deliveredRecords(invoker).length >= 1_100, { timeoutMs: 60_000, message: 'not every change was delivered' });
    expect(readDuringFirstBatch).toBe(true);
    expect(invoker.events.map((event) => event.Records.length)).toEqual([1_000, 100]);
    expect(deliveredRecords(invoker).map((record) => Number(record.dynamodb.NewImage!['n']!.N))).toEqual(Array.from({ length: 1_100 }, (_, i) => i));
    const contents = await fixture.streamContents(clients.dynamodbStreams, table.streamArn);
    const checkpoints = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
    const last = deliveredRecords(invoker).at(-1)!.dynamodb.SequenceNumber;
    await waitFor(async () => (await checkpoints.get(contents.shardId))?.sequenceNumber === last, {
      message: 'checkpoint did not reach the last record',
    });
    expect(await counterValue(subject.metrics.polledEvents, mapping.UUID)).toBe(1_100);
  });

  it('sends only the records a filter on eventName selects, and moves past the others', async () => {
    const table = await fixture.createTable();
    for (const pk of ['a', 'b']) {
      await put(table.name, pk, 1);
      await update(table.name, pk, 2);
      await remove(table.name, pk);
    }
    const mapping = fixture.mapping(table.streamArn, { FilterCriteria: { Filters: [{ Pattern: '{"eventName":["REMOVE"]}' }] } });
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(mapping, invoker);
    await subject.poller.start();

    const contents = await fixture.streamContents(clients.dynamodbStreams, table.streamArn);
    const checkpoints = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
    await waitFor(async () => (await checkpoints.get(contents.shardId))?.sequenceNumber === contents.sequenceNumbers[5], {
      message: 'checkpoint did not move past the filtered records',
    });
    expect(deliveredRecords(invoker).map((record) => [record.eventName, record.dynamodb.Keys.pk])).toEqual([
      ['REMOVE', { S: 'a' }],
      ['REMOVE', { S: 'b' }],
    ]);
    expect(await counterValue(subject.metrics.filteredOutEvents, mapping.UUID)).toBe(4);
  });
});
