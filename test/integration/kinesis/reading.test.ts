import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import { createRedis } from '../../../src/redis/redis-connection.js';
import { createLogger } from '../../../src/observability/logger.js';
import { byShard, counterValue, isAscending, KinesisFixture, ScriptedInvoker } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('Kinesis reading, events and checkpoints', () => {
  let fixture: KinesisFixture;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('delivers every record of a multi-shard stream once, in shard order, shaped as AWS events', async () => {
    const stream = await fixture.createStream(3);
    const sent = Array.from({ length: 45 }, (_, i) => ({ data: `record-${i}`, key: `key-${i % 9}` }));
    const raw = Uint8Array.from([0xff, 0x00, 0xfe, 0x80]);
    const put = await fixture.put(stream.arn, [...sent, { data: raw, key: 'binary' }]);
    const invoker = new ScriptedInvoker();
    const mapping = fixture.mapping(stream.arn, { BatchSize: 10 });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();

    const records = () => invoker.events.flatMap((event) => event.Records);
    await waitFor(() => records().length >= put.length, { message: 'not every record was delivered' });
    expect(records()).toHaveLength(put.length);
    expect(invoker.events.every((event) => event.Records.length <= 10)).toBe(true);
    for (const sequenceNumbers of byShard(records()).values()) expect(isAscending(sequenceNumbers)).toBe(true);
    expect(new Set(invoker.deliveredData)).toEqual(new Set([...sent.map((record) => record.data), Buffer.from(raw).toString('utf8')]));

    const binary = records().find((record) => record.kinesis.partitionKey === 'binary')!;
    const binaryPut = put[put.length - 1]!;
    expect(binary.kinesis.data).toBe(Buffer.from(raw).toString('base64'));
    expect(Object.keys(binary)).toEqual([
      'kinesis',
      'eventSource',
      'eventVersion',
      'eventID',
      'eventName',
      'invokeIdentityArn',
      'awsRegion',
      'eventSourceARN',
    ]);
    expect(binary).toMatchObject({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'binary', sequenceNumber: binaryPut.sequenceNumber },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${binaryPut.shardId}:${binaryPut.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: expect.stringMatching(/^arn:aws:iam::000000000000:role\//),
      awsRegion: 'us-east-1',
      eventSourceARN: stream.arn,
    });
    const arrival = binary.kinesis.approximateArrivalTimestamp;
    expect(typeof arrival).toBe('number');
    expect(Math.abs(arrival * 1000 - Date.now())).toBeLessThan(60_000);

    // The checkpoint of each shard is the last record delivered from it.
    const redis = createRedis(servers.redisUrl, createLogger('silent'));
    try {
      const store = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
      const expected = new Map<string, string>();
      for (const entry of put) expected.set(entry.shardId, entry.sequenceNumber);
      await waitFor(
        async () => {
          const stored = await store.getMany([...expected.keys()]);
          return [...expected].every(([shardId, sequenceNumber]) => stored.get(shardId)?.sequenceNumber === sequenceNumber);
        },
        { message: 'checkpoints did not reach the last records' },
      );
    } finally {
      await redis.quit();
    }
    expect(subject.status.lastProcessingResult).toBe('OK');
    expect(await counterValue(subject.metrics.polledEvents, mapping.UUID)).toBe(put.length);
    expect((await subject.metrics.leasesHeld.get()).values).toContainEqual(expect.objectContaining({ value: 3 }));
    const ages = (await subject.metrics.iteratorAge.get()).values.filter((value) => value.labels.mapping === mapping.UUID);
    expect(new Set(ages.map((value) => value.labels.shard))).toEqual(new Set(put.map((entry) => entry.shardId)));
    expect(ages.every((value) => value.value >= 0 && value.value < 60)).toBe(true);
  });

  it('skips records that FilterCriteria removes, moving the checkpoint past them', async () => {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(stream.arn, [
      { data: '{"type":"drop","n":1}', key: 'k' },
      { data: '{"type":"keep","n":2}', key: 'k' },
      { data: 'not json', key: 'k' },
      { data: '{"type":"keep","n":4}', key: 'k' },
      { data: '{"type":"drop","n":5}', key: 'k' },
    ]);
    const invoker = new ScriptedInvoker();
    const mapping = fixture.mapping(stream.arn, { FilterCriteria: { Filters: [{ Pattern: '{"data":{"type":["keep"]}}' }] } });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();

    // Filtered records are settled as they are read, before the kept ones are invoked: wait for both outcomes.
    await waitFor(async () => (await counterValue(subject.metrics.filteredOutEvents, mapping.UUID)) === 3, { message: 'filtered records not counted' });
    await waitFor(() => invoker.deliveredData.length >= 2, { message: 'kept records not delivered' });
    expect(invoker.deliveredData).toEqual(['{"type":"keep","n":2}', '{"type":"keep","n":4}']);
    const redis = createRedis(servers.redisUrl, createLogger('silent'));
    try {
      const store = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
      await waitFor(async () => (await store.get(put[4]!.shardId))?.sequenceNumber === put[4]!.sequenceNumber, {
        message: 'checkpoint did not move past the filtered records',
      });
    } finally {
      await redis.quit();
    }
  });

  it('settles filtered-out records as they are read, without holding them for the batching window', async () => {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(
      stream.arn,
      Array.from({ length: 50 }, (_, n) => ({ data: JSON.stringify({ type: 'drop', n }), key: `k-${n}` })),
    );
    const invoker = new ScriptedInvoker();
    const mapping = fixture.mapping(stream.arn, {
      MaximumBatchingWindowInSeconds: 300,
      FilterCriteria: { Filters: [{ Pattern: '{"data":{"type":["keep"]}}' }] },
    });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();

    const redis = createRedis(servers.redisUrl, createLogger('silent'));
    try {
      const store = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
      const last = put[put.length - 1]!;
      await waitFor(async () => (await store.get(last.shardId))?.sequenceNumber === last.sequenceNumber, {
        message: 'checkpoint did not move past the filtered records within the window',
        timeoutMs: 45_000, // far below the 300 s window, with room for a loaded machine
      });
    } finally {
      await redis.quit();
    }
    expect(await counterValue(subject.metrics.filteredOutEvents, mapping.UUID)).toBe(50);
    expect(invoker.events).toEqual([]);
  });

  it('delivers a record the filters cannot evaluate instead of stopping the shard', async () => {
    const stream = await fixture.createStream(1);
    // Valid JSON nested deeper than a recursive matcher can walk.
    const deep = '['.repeat(60_000) + ']'.repeat(60_000);
    await fixture.put(stream.arn, [
      { data: deep, key: 'k' },
      { data: '{"type":"keep","n":2}', key: 'k' },
    ]);
    const invoker = new ScriptedInvoker();
    const mapping = fixture.mapping(stream.arn, { FilterCriteria: { Filters: [{ Pattern: '{"data":{"type":["keep"]}}' }] } });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();

    await waitFor(() => invoker.deliveredData.length === 2, { message: 'records not delivered' });
    expect(invoker.deliveredData).toEqual([deep, '{"type":"keep","n":2}']);
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'filter_evaluation_failed' }));
  });

  it('gathers records for MaximumBatchingWindowInSeconds before invoking', async () => {
    const stream = await fixture.createStream(1);
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(fixture.mapping(stream.arn, { MaximumBatchingWindowInSeconds: 2 }), invoker);
    await subject.poller.start();

    for (let i = 0; i < 4; i += 1) await fixture.put(stream.arn, [{ data: `w-${i}`, key: 'k' }]);

    await waitFor(() => invoker.deliveredData.length >= 4, { message: 'windowed records not delivered' });
    expect(invoker.events).toHaveLength(1);
    expect(invoker.deliveredData).toEqual(['w-0', 'w-1', 'w-2', 'w-3']);
  });

  it('LATEST skips what was written before the mapping started and delivers what comes after', async () => {
    const stream = await fixture.createStream(2);
    await fixture.put(stream.arn, [{ data: 'before-1', key: 'a' }, { data: 'before-2', key: 'b' }]);
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(fixture.mapping(stream.arn, { StartingPosition: 'LATEST' }), invoker);

    await subject.poller.start();
    await fixture.put(stream.arn, [{ data: 'after-1', key: 'a' }, { data: 'after-2', key: 'b' }]);

    await waitFor(() => invoker.deliveredData.length >= 2, { message: 'records written after start not delivered' });
    expect(invoker.deliveredData.sort()).toEqual(['after-1', 'after-2']);
  });

  it('AT_TIMESTAMP starts at the first record that arrived at or after the timestamp', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, [{ data: 'old', key: 'a' }]);
    const timestampMs = Date.now() + 5;
    await waitFor(() => Date.now() > timestampMs + 5, { intervalMs: 5 });
    await fixture.put(stream.arn, [{ data: 'new-1', key: 'a' }, { data: 'new-2', key: 'a' }]);
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(
      fixture.mapping(stream.arn, { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: timestampMs / 1000 }),
      invoker,
    );

    await subject.poller.start();

    await waitFor(() => invoker.deliveredData.length >= 2, { message: 'records after the timestamp not delivered' });
    expect(invoker.deliveredData).toEqual(['new-1', 'new-2']);
  });

  it('resumes after a stop from the checkpoint, without re-delivering', async () => {
    const stream = await fixture.createStream(2);
    const mapping = fixture.mapping(stream.arn, { BatchSize: 5 });
    await fixture.put(stream.arn, Array.from({ length: 12 }, (_, i) => ({ data: `first-${i}`, key: `k${i}` })));
    const first = new ScriptedInvoker();
    const one = fixture.poller(mapping, first);
    await one.poller.start();
    await waitFor(() => first.deliveredData.length >= 12, { message: 'first records not delivered' });
    await one.poller.stop();

    await fixture.put(stream.arn, Array.from({ length: 8 }, (_, i) => ({ data: `second-${i}`, key: `k${i}` })));
    const second = new ScriptedInvoker();
    const two = fixture.poller(mapping, second);
    await two.poller.start();

    await waitFor(() => second.deliveredData.length >= 8, { message: 'second records not delivered' });
    expect(second.deliveredData.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `second-${i}`).sort());
    expect(first.deliveredData).toHaveLength(12);
  });

  it('rejects start() for a stream that does not exist', async () => {
    const mapping = fixture.mapping('arn:aws:kinesis:us-east-1:000000000000:stream/t-missing-stream');
    const subject = fixture.poller(mapping, new ScriptedInvoker());
    await expect(subject.poller.start()).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'Stream not found: arn:aws:kinesis:us-east-1:000000000000:stream/t-missing-stream',
    });
  });
});
