import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeregisterStreamConsumerCommand,
  KinesisClient,
  ListShardsCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_CREDENTIALS, testClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { registerStreamConsumer } from '../../harness/kinesis-stream.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { startSubscribeToShardFront, type SubscribeToShardFront } from '../../harness/subscribe-to-shard-front.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { byShard, isAscending, KinesisFixture, ScriptedInvoker, waitForActive, type KinesisEventRecord } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);
/** Subscriptions end this soon, so that every test sees several of them per shard. */
const SUBSCRIPTION_MS = 1_500;

/** Registers an ACTIVE enhanced fan-out consumer of the stream. */
const registerConsumer = (streamArn: string) => registerStreamConsumer(clients.kinesis, streamArn);

const batch = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ data: `${prefix}-${i}`, key: `key-${i}` }));

describe('Kinesis enhanced fan-out (SubscribeToShard through the front)', () => {
  let front: SubscribeToShardFront;
  let fixture: KinesisFixture;

  beforeAll(async () => {
    front = await startSubscribeToShardFront({ kinesisEndpoint: servers.kinesisEndpoint, subscriptionMs: SUBSCRIPTION_MS });
    fixture = new KinesisFixture(servers, clients.kinesis, front.url);
  });

  afterAll(async () => {
    await fixture?.close();
    await front?.close();
    clients.destroy();
  });

  it('delivers every record once, in shard order, across subscriptions that end, with events naming the stream', async () => {
    const stream = await fixture.createStream(2);
    const consumerArn = await registerConsumer(stream.arn);
    await fixture.put(stream.arn, batch('a', 30));
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(fixture.mapping(consumerArn, { BatchSize: 7, StartingPosition: 'TRIM_HORIZON' }), invoker);
    await subject.poller.start();

    const records = () => invoker.events.flatMap((event) => event.Records);
    await waitFor(() => records().length >= 30, { message: 'first records not delivered' });
    // More records once every shard's first subscription has ended: they come through later subscriptions.
    const shardIds = await fixture.shardIds(stream.arn);
    await waitFor(() => shardIds.every((shardId) => front.subscriptionsOf(consumerArn, shardId).some((subscription) => subscription.ended === 'expired')), {
      message: 'subscriptions did not end',
    });
    await fixture.put(stream.arn, batch('b', 30));
    await waitFor(() => records().length >= 60, { message: 'records after re-subscription not delivered' });

    expect(new Set(invoker.deliveredData)).toEqual(new Set([...batch('a', 30), ...batch('b', 30)].map((record) => record.data)));
    expect(records()).toHaveLength(60);
    for (const sequenceNumbers of byShard(records()).values()) expect(isAscending(sequenceNumbers)).toBe(true);
    expect(records().every((record) => record.eventSourceARN === stream.arn)).toBe(true);
    expect(invoker.events.every((event) => event.Records.length <= 7)).toBe(true);
    for (const shardId of shardIds) {
      const [first, ...later] = front.subscriptionsOf(consumerArn, shardId);
      expect(first!.startingPosition.Type).toBe('TRIM_HORIZON');
      expect(first!.consumerArn).toBe(consumerArn);
      expect(later.length).toBeGreaterThan(0);
      // A later subscription starts after the last record handed over (or where the first one started, if none was).
      for (const subscription of later) expect(['AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON']).toContain(subscription.startingPosition.Type);
    }
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'shard_subscription_ended' }));
    await subject.poller.stop();
    // Stopping closes the open subscriptions: none is left for the service to push into.
    const open = () => front.subscriptions.filter((subscription) => subscription.consumerArn === consumerArn && subscription.ended === undefined);
    await waitFor(() => open().length === 0, { message: 'subscriptions left open after stop' });
    expect(front.subscriptions.filter((subscription) => subscription.consumerArn === consumerArn).map((subscription) => subscription.ended)).toContain('client_closed');
  });

  it('re-subscribes after the event stream fails (another subscription took the shard over)', async () => {
    const stream = await fixture.createStream(1);
    const consumerArn = await registerConsumer(stream.arn);
    const [shardId] = await fixture.shardIds(stream.arn);
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(fixture.mapping(consumerArn, { BatchSize: 10, StartingPosition: 'TRIM_HORIZON' }), invoker);
    await subject.poller.start();
    await fixture.put(stream.arn, batch('before', 10));
    await waitFor(() => invoker.deliveredData.length >= 10, { message: 'records not delivered' });

    // A second reader of the same consumer and shard: Kinesis hands it the subscription and fails the first one.
    const intruder = new KinesisClient({ endpoint: front.url, region: servers.region, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttp2Handler() });
    try {
      const taken = await intruder.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: { Type: 'LATEST' } }));
      await waitFor(() => subject.logs.some((line) => line.msg === 'shard_subscription_failed' && line.kind === 'throughput_exceeded'), {
        message: 'the taken-over subscription did not fail',
      });
      for await (const item of taken.EventStream!) if (item.ResourceInUseException) break; // the poller takes it back
    } catch (err) {
      expect((err as Error).name).toBe('ResourceInUseException');
    } finally {
      intruder.destroy();
    }
    await fixture.put(stream.arn, batch('after', 10));
    await waitFor(() => invoker.deliveredData.length >= 20, { message: 'records after the failure not delivered' });
    expect(invoker.deliveredData).toEqual([...batch('before', 10), ...batch('after', 10)].map((record) => record.data));
    await subject.poller.stop();
  });

  it('ends a split parent when its event stream names the child shards, then reads the children', async () => {
    const stream = await fixture.createStream(1);
    const consumerArn = await registerConsumer(stream.arn);
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(fixture.mapping(consumerArn, { BatchSize: 3, StartingPosition: 'TRIM_HORIZON' }), invoker);
    await subject.poller.start();
    const keys = Array.from({ length: 8 }, (_, i) => `key-${i}`);
    await fixture.put(stream.arn, keys.map((key) => ({ data: `${key}:1`, key })));
    const [parent] = (await clients.kinesis.send(new ListShardsCommand({ StreamARN: stream.arn }))).Shards!;
    const middle = (BigInt(parent!.HashKeyRange!.StartingHashKey!) + BigInt(parent!.HashKeyRange!.EndingHashKey!)) / 2n;
    await clients.kinesis.send(new SplitShardCommand({ StreamName: stream.name, ShardToSplit: parent!.ShardId!, NewStartingHashKey: middle.toString() }));
    await waitForActive(clients.kinesis, stream.name);
    await fixture.put(stream.arn, keys.map((key) => ({ data: `${key}:2`, key })));

    await waitFor(() => invoker.deliveredData.length >= keys.length * 2, { message: 'records of the children not delivered', timeoutMs: 30_000 });
    expect(invoker.deliveredData).toHaveLength(keys.length * 2);
    for (const key of keys) expect(invoker.deliveredData.filter((data) => data.startsWith(`${key}:`))).toEqual([`${key}:1`, `${key}:2`]);
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'shard_subscription_reached_shard_end', shardId: parent!.ShardId, childShardIds: expect.arrayContaining([expect.any(String)]) }));
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'shard_ended', shardId: parent!.ShardId }));
    const children = (await fixture.shardIds(stream.arn)).filter((shardId) => shardId !== parent!.ShardId);
    for (const child of children) expect(front.subscriptionsOf(consumerArn, child)[0]?.startingPosition.Type).toBe('TRIM_HORIZON');
    await subject.poller.stop();
  });

  it('shows a consumer deregistered while the mapping runs in LastProcessingResult and keeps retrying', async () => {
    const stream = await fixture.createStream(1);
    const consumerArn = await registerConsumer(stream.arn);
    const invoker = new ScriptedInvoker();
    const subject = fixture.poller(fixture.mapping(consumerArn, { StartingPosition: 'TRIM_HORIZON' }), invoker);
    await subject.poller.start();
    await fixture.put(stream.arn, batch('a', 3));
    await waitFor(() => invoker.deliveredData.length >= 3, { message: 'records not delivered' });

    await clients.kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerArn }));
    await waitFor(() => subject.status.lastProcessingResult.startsWith('PROBLEM: Source not found: '), { message: 'the missing consumer was not reported', timeoutMs: 20_000 });
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'shard_subscription_failed', kind: 'not_found' }));
    await subject.poller.stop();
  });

  it('refuses a consumer that does not exist with a clear error', async () => {
    const stream = await fixture.createStream(1);
    const missing = `${stream.arn}/consumer/t-no-such-consumer:1700000000`;
    const subject = fixture.poller(fixture.mapping(missing, { StartingPosition: 'TRIM_HORIZON' }), new ScriptedInvoker());
    await expect(subject.poller.start()).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: `Stream consumer not found: ${missing}` });
  });

  describe('with a backlog of 2,000 records of 1 KB and a function that waits', () => {
    /** Subscriptions that last; events of 100 records, so that a few fill the HTTP/2 windows. */
    let slowFront: SubscribeToShardFront;
    let slowFixture: KinesisFixture;
    const BACKLOG = 2_000;

    beforeAll(async () => {
      slowFront = await startSubscribeToShardFront({ kinesisEndpoint: servers.kinesisEndpoint, subscriptionMs: 60_000, recordsPerEvent: 100 });
      slowFixture = new KinesisFixture(servers, clients.kinesis, slowFront.url);
    });

    afterAll(async () => {
      await slowFixture?.close();
      await slowFront?.close();
    });

    /** A stream whose records `<index>:<1 KB>` spread over `keys` partition keys, and an ACTIVE consumer of it. */
    async function streamWithBacklog(shards: number, keys: number): Promise<{ arn: string; consumerArn: string }> {
      const stream = await slowFixture.createStream(shards);
      const consumerArn = await registerConsumer(stream.arn);
      const payload = 'x'.repeat(1_000);
      for (let from = 0; from < BACKLOG; from += 500) {
        await slowFixture.put(stream.arn, Array.from({ length: 500 }, (_, i) => ({ data: `${from + i}:${payload}`, key: `key-${(from + i) % keys}` })));
      }
      return { arn: stream.arn, consumerArn };
    }

    /** A promise the function waits on, and what releases it. */
    function gate(): { readonly opened: Promise<void>; readonly open: () => void } {
      let open: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { opened, open };
    }

    it('takes nothing more from the event stream while the lanes are full: the sender stalls, memory stays bounded', async () => {
      const { arn, consumerArn } = await streamWithBacklog(1, 7);
      const [shardId] = await slowFixture.shardIds(arn);
      const held = gate();
      const invoker = new ScriptedInvoker(async () => (await held.opened, { kind: 'success' }));
      const subject = slowFixture.poller(slowFixture.mapping(consumerArn, { BatchSize: 10, StartingPosition: 'TRIM_HORIZON' }), invoker);
      await subject.poller.start();

      await waitFor(() => slowFront.subscriptionsOf(consumerArn, shardId!)[0]?.stalled === true && invoker.events.length === 1, { message: 'the front never stalled' });
      expect(slowFront.subscriptionsOf(consumerArn, shardId!)[0]!.recordsPushed).toBeLessThan(BACKLOG / 2);
      held.open();
      await waitFor(() => invoker.deliveredData.length >= BACKLOG, { message: 'backlog not delivered', timeoutMs: 30_000 });
      expect(invoker.deliveredData.map((data) => Number(data.split(':')[0]))).toEqual(Array.from({ length: BACKLOG }, (_, i) => i));
      await subject.poller.stop();
    });

    it('a shard whose lanes are full does not hold up the other shards sharing the HTTP/2 connection', async () => {
      const stream = await streamWithBacklog(2, 13);
      const [blockedShard] = await slowFixture.shardIds(stream.arn);
      const held = gate();
      const invoker = new ScriptedInvoker(async (event) => {
        if (event.Records[0]!.eventID.startsWith(`${blockedShard}:`)) await held.opened;
        return { kind: 'success' };
      });
      const subject = slowFixture.poller(slowFixture.mapping(stream.consumerArn, { BatchSize: 10, StartingPosition: 'TRIM_HORIZON' }), invoker);
      await subject.poller.start();
      await waitFor(() => slowFront.subscriptionsOf(stream.consumerArn, blockedShard!)[0]?.stalled === true, { message: 'the blocked shard never stalled' });

      // Written while the blocked shard's stream is stalled: the other shard's records must still come through.
      const put = await slowFixture.put(stream.arn, Array.from({ length: 13 }, (_, i) => ({ data: `last-${i}`, key: `key-${i}` })));
      const freeShardLast = put.filter((record) => record.shardId !== blockedShard).map((record) => record.sequenceNumber);
      const delivered = () => new Set(invoker.events.flatMap((event) => event.Records.map((record) => record.kinesis.sequenceNumber)));
      await waitFor(() => freeShardLast.every((sequenceNumber) => delivered().has(sequenceNumber)), { message: 'the free shard was held up', timeoutMs: 30_000 });
      expect(slowFront.subscriptionsOf(stream.consumerArn, blockedShard!)[0]!.stalled).toBe(true);
      held.open();
      await waitFor(() => invoker.deliveredData.length >= BACKLOG + put.length, { message: 'backlog not delivered', timeoutMs: 30_000 });
      await subject.poller.stop();
    });
  });
});

describe('Kinesis enhanced fan-out in the service process', () => {
  let front: SubscribeToShardFront;
  let fixture: KinesisFixture;
  const started: RunningService[] = [];
  const dir = mkdtempSync(join(tmpdir(), 't-efo-'));

  beforeAll(async () => {
    front = await startSubscribeToShardFront({ kinesisEndpoint: servers.kinesisEndpoint, subscriptionMs: SUBSCRIPTION_MS });
    fixture = new KinesisFixture(servers, clients.kinesis, front.url);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.stop('SIGKILL')));
  });

  afterAll(async () => {
    await fixture?.close();
    await front?.close();
  });

  /** Data of the records one service process's handler saw, in order. */
  function delivered(recordFile: string): string[] {
    if (!existsSync(recordFile)) return [];
    return readFileSync(recordFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .flatMap((line) => (JSON.parse(line) as { Records: KinesisEventRecord[] }).Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString()));
  }

  async function start(consumerArn: string, keyPrefix: string, recordFile: string): Promise<RunningService> {
    const config = [
      'functions:',
      `  recorder: { handler: "${fixtureHandler('record.mjs')}", timeout: 10 }`,
      'eventSourceMappings:',
      `  - { FunctionName: recorder, EventSourceArn: "${consumerArn}", StartingPosition: TRIM_HORIZON, BatchSize: 5 }`,
      `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
      'shutdown: { drainTimeoutSeconds: 5 }',
      'log: { level: info }',
    ].join('\n');
    const service = await startService({ config, servers, env: { ESM_TEST_RECORD_FILE: recordFile, AWS_ENDPOINT_URL_KINESIS: front.url } });
    started.push(service);
    return service;
  }

  it('resumes from the checkpoint after SIGKILL: nothing lost, at most the batch in flight again', async () => {
    const stream = await fixture.createStream(1);
    const consumerArn = await registerConsumer(stream.arn);
    const keyPrefix = uniqueName('t-efo');
    const [firstFile, secondFile] = [1, 2].map((n) => join(dir, `${keyPrefix}-${n}.jsonl`)) as [string, string];
    await fixture.put(stream.arn, batch('a', 20));

    const first = await start(consumerArn, keyPrefix, firstFile);
    await waitFor(() => delivered(firstFile).length >= 20, { message: 'first records not delivered', timeoutMs: 30_000 });
    expect(first.logs).toContainEqual(expect.objectContaining({ msg: 'shard_subscribed' }));
    first.kill();
    await first.exited;

    await fixture.put(stream.arn, batch('b', 20));
    await start(consumerArn, keyPrefix, secondFile);
    await waitFor(() => delivered(secondFile).filter((data) => data.startsWith('b-')).length >= 20, { message: 'records after SIGKILL not delivered', timeoutMs: 30_000 });
    expect(delivered(secondFile).filter((data) => data.startsWith('b-'))).toEqual(batch('b', 20).map((record) => record.data));
    // The checkpoint was committed after each batch: only a batch whose commit the kill interrupted comes again.
    expect(delivered(secondFile).filter((data) => data.startsWith('a-')).length).toBeLessThanOrEqual(5);
  });
});
