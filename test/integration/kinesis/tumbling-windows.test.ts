import { ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { RedisCheckpointStore } from '../../../src/checkpoints/redis-checkpoint-store.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRedis } from '../../../src/redis/redis-connection.js';
import { counterValue, KinesisFixture, MemoryDestinations, ScriptedInvoker, waitForActive, type KinesisEventRecord, type ScriptedAnswer } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);
const DESTINATION = 'arn:aws:sqs:us-east-1:000000000000:t-on-failure';

/** A windowed event as the function receives it. */
interface WindowEvent {
  Records: KinesisEventRecord[];
  window: { start: string; end: string };
  state: { count?: number; big?: string };
  shardId: string;
  eventSourceARN: string;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
}

const windowEvents = (invoker: ScriptedInvoker) => invoker.events as unknown as WindowEvent[];
const finals = (invoker: ScriptedInvoker) => windowEvents(invoker).filter((event) => event.isFinalInvokeForWindow);
/** Counts records into the state, as an aggregating function would. */
const counting = (event: WindowEvent): ScriptedAnswer => ({ kind: 'success', result: { state: { count: (event.state.count ?? 0) + event.Records.length } } });
const dataOf = (record: KinesisEventRecord) => Buffer.from(record.kinesis.data, 'base64').toString('utf8');

describe('Kinesis tumbling windows', () => {
  let fixture: KinesisFixture;
  const redis = createRedis(servers.redisUrl, createLogger('silent'), 't-windows');

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    redis.disconnect();
    clients.destroy();
  });

  it('hands each invocation the state the previous one returned, then sends the final invoke with no records', async () => {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(stream.arn, Array.from({ length: 6 }, (_, i) => ({ data: `a-${i}`, key: `k-${i}` })));
    const invoker = new ScriptedInvoker((event) => counting(event as unknown as WindowEvent));
    const mapping = fixture.mapping(stream.arn, { BatchSize: 2, TumblingWindowInSeconds: 2 });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();
    await waitFor(() => finals(invoker).length === 1, { message: 'no final invoke' });

    // One PutRecords: every record arrived at once, so all six belong to one window.
    const events = windowEvents(invoker);
    expect(events.map((event) => [event.Records.length, event.state, event.isFinalInvokeForWindow, event.isWindowTerminatedEarly])).toEqual([
      [2, {}, false, false],
      [2, { count: 2 }, false, false],
      [2, { count: 4 }, false, false],
      [0, { count: 6 }, true, false],
    ]);
    const [first] = events;
    const arrivalMs = first!.Records[0]!.kinesis.approximateArrivalTimestamp * 1000;
    expect(first!.window.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(first!.window.end) - Date.parse(first!.window.start)).toBe(2_000);
    expect(Date.parse(first!.window.start)).toBeLessThanOrEqual(arrivalMs);
    expect(Date.parse(first!.window.end)).toBeGreaterThan(arrivalMs);
    expect(events.every((event) => event.window.start === first!.window.start && event.shardId === put[0]!.shardId && event.eventSourceARN === stream.arn)).toBe(true);
    expect(Object.keys(first!)).toEqual(['Records', 'window', 'state', 'shardId', 'eventSourceARN', 'isFinalInvokeForWindow', 'isWindowTerminatedEarly']);

    // Once the final invoke succeeded the window is gone from Redis and the checkpoint is at the last record.
    const store = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
    await waitFor(async () => (await store.get(put[0]!.shardId))?.window === undefined, { message: 'window still stored' });
    expect((await store.get(put[0]!.shardId))?.sequenceNumber).toBe(put[5]!.sequenceNumber);

    // A later window starts again from {}.
    await fixture.put(stream.arn, [{ data: 'b-0', key: 'k' }]);
    await waitFor(() => finals(invoker).length === 2, { message: 'no final invoke for the second window' });
    expect(events.slice(4).map((event) => [event.Records.map(dataOf), event.state, event.isFinalInvokeForWindow])).toEqual([
      [['b-0'], {}, false],
      [[], { count: 1 }, true],
    ]);
    expect(events[4]!.window.start > first!.window.start).toBe(true);
  });

  it('keeps the window state in Redis beside the checkpoint while the window is open', async () => {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(stream.arn, [{ data: 'x', key: 'k' }]);
    let release: () => void = () => undefined;
    const finalHeld = new Promise<void>((resolve) => (release = resolve));
    const invoker = new ScriptedInvoker(async (event) => {
      const windowEvent = event as unknown as WindowEvent;
      if (windowEvent.isFinalInvokeForWindow) await finalHeld;
      return counting(windowEvent);
    });
    const mapping = fixture.mapping(stream.arn, { TumblingWindowInSeconds: 1 });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();
    await waitFor(() => finals(invoker).length === 1, { message: 'no final invoke' });
    const store = new RedisCheckpointStore(redis, fixture.keys, mapping.UUID);
    const stored = await store.get(put[0]!.shardId);
    expect(stored?.sequenceNumber).toBe(put[0]!.sequenceNumber);
    expect(stored?.window).toEqual({
      startMs: Date.parse(windowEvents(invoker)[0]!.window.start),
      endMs: Date.parse(windowEvents(invoker)[0]!.window.end),
      state: '{"count":1}',
      terminatedEarly: false,
    });
    release();
    await waitFor(async () => (await store.get(put[0]!.shardId))?.window === undefined, { message: 'window still stored after its final invoke' });
  });

  it('ends the window early when the state grows above 1 MB, and goes on in the same window with a fresh state', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, Array.from({ length: 3 }, (_, i) => ({ data: `r-${i}`, key: 'k' })));
    const big = 'x'.repeat(1_048_576);
    const invoker = new ScriptedInvoker((event) => {
      const windowEvent = event as unknown as WindowEvent;
      // The first batch blows the state up; every other invocation counts.
      if (!windowEvent.isFinalInvokeForWindow && windowEvent.Records[0] && dataOf(windowEvent.Records[0]) === 'r-0') return { kind: 'success', result: { state: { big } } };
      return counting(windowEvent);
    });
    const mapping = fixture.mapping(stream.arn, { BatchSize: 1, TumblingWindowInSeconds: 2 });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();
    await waitFor(() => finals(invoker).length === 2, { message: 'no final invoke after the early end' });

    const events = windowEvents(invoker);
    expect(events.map((event) => [event.Records.map(dataOf), event.isFinalInvokeForWindow, event.isWindowTerminatedEarly, Object.keys(event.state)])).toEqual([
      [['r-0'], false, false, []],
      [[], true, true, ['big']],
      [['r-1'], false, false, []],
      [['r-2'], false, false, ['count']],
      [[], true, false, ['count']],
    ]);
    expect(events[1]!.state.big).toHaveLength(big.length);
    expect(events[4]!.state).toEqual({ count: 2 });
    expect(new Set(events.map((event) => event.window.start)).size).toBe(1);
  });

  it('counts a response without a state as a function error: retries, then the on-failure destination', async () => {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(stream.arn, [{ data: 'no-state', key: 'k' }]);
    const destinations = new MemoryDestinations();
    const invoker = new ScriptedInvoker((event) => {
      const windowEvent = event as unknown as WindowEvent;
      return windowEvent.isFinalInvokeForWindow ? counting(windowEvent) : { kind: 'success', result: { batchItemFailures: [] } };
    });
    const mapping = fixture.mapping(stream.arn, {
      TumblingWindowInSeconds: 1,
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: DESTINATION } },
    });
    const subject = fixture.poller(mapping, invoker, { destinations });

    await subject.poller.start();
    await waitFor(() => destinations.deliveries.length === 1, { message: 'no failure record queued' });
    await waitFor(() => finals(invoker).length === 1, { message: 'no final invoke' });

    const events = windowEvents(invoker);
    expect(events.map((event) => [event.Records.length, event.state, event.isFinalInvokeForWindow])).toEqual([
      [1, {}, false],
      [1, {}, false],
      [0, {}, true],
    ]);
    expect(destinations.deliveries[0]!.record).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      responseContext: { functionError: null },
      KinesisBatchInfo: { startSequenceNumber: put[0]!.sequenceNumber, batchSize: 1 },
    });
    expect(await counterValue(subject.metrics.failedInvokeEvents, mapping.UUID)).toBe(2);
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'window_response_invalid', reason: 'the function response has no state' }));
  });

  it('with ReportBatchItemFailures keeps the state of a partial response and retries the failed records with it', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, ['p-0', 'p-1', 'p-2'].map((data) => ({ data, key: 'k' })));
    let failedOnce = false;
    const invoker = new ScriptedInvoker((event) => {
      const windowEvent = event as unknown as WindowEvent;
      const second = windowEvent.Records[1];
      if (failedOnce || !second) return counting(windowEvent);
      failedOnce = true;
      // Only the first record was aggregated: the state says 1, the rest is reported failed.
      return { kind: 'success', result: { state: { count: 1 }, batchItemFailures: [{ itemIdentifier: second.kinesis.sequenceNumber }] } };
    });
    const mapping = fixture.mapping(stream.arn, { TumblingWindowInSeconds: 2, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();
    await waitFor(() => finals(invoker).length === 1, { message: 'no final invoke' });

    expect(windowEvents(invoker).map((event) => [event.Records.map(dataOf), event.state, event.isFinalInvokeForWindow])).toEqual([
      [['p-0', 'p-1', 'p-2'], {}, false],
      [['p-1', 'p-2'], { count: 1 }, false],
      [[], { count: 3 }, true],
    ]);
  });

  it('closes the open window when its shard ends; the children start windows of their own', async () => {
    const stream = await fixture.createStream(1);
    const invoker = new ScriptedInvoker((event) => counting(event as unknown as WindowEvent));
    // A window far longer than the test: only the shard's end can close it.
    const mapping = fixture.mapping(stream.arn, { TumblingWindowInSeconds: 900 });
    const subject = fixture.poller(mapping, invoker);
    await subject.poller.start();

    await fixture.put(stream.arn, [{ data: 'p-0', key: 'k-0' }, { data: 'p-1', key: 'k-1' }]);
    await waitFor(() => invoker.events.length === 1, { message: 'parent records not delivered' });
    const [parent] = (await clients.kinesis.send(new ListShardsCommand({ StreamARN: stream.arn }))).Shards!;
    const middle = (BigInt(parent!.HashKeyRange!.StartingHashKey!) + BigInt(parent!.HashKeyRange!.EndingHashKey!)) / 2n;
    await clients.kinesis.send(new SplitShardCommand({ StreamName: stream.name, ShardToSplit: parent!.ShardId!, NewStartingHashKey: middle.toString() }));
    await waitForActive(clients.kinesis, stream.name);

    await waitFor(() => finals(invoker).length === 1, { message: 'the shard end did not close the window', timeoutMs: 30_000 });
    expect(finals(invoker)[0]).toMatchObject({ shardId: parent!.ShardId, state: { count: 2 }, Records: [] });
    await waitFor(() => subject.logs.some((line) => line.msg === 'shard_ended' && line.shardId === parent!.ShardId), { message: 'parent not ended' });

    await fixture.put(stream.arn, [{ data: 'c-0', key: 'k-0' }]);
    await waitFor(() => invoker.deliveredData.includes('c-0'), { message: 'child records not delivered', timeoutMs: 30_000 });
    const child = windowEvents(invoker).find((event) => event.Records.some((record) => dataOf(record) === 'c-0'))!;
    expect(child.shardId).not.toBe(parent!.ShardId);
    expect(child.state).toEqual({});
  });
});
