import { ListShardsCommand, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker, waitForActive } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);
const KEYS = Array.from({ length: 12 }, (_, i) => `key-${i}`);

/** Data delivered per partition key, in delivery order. */
function dataByKey(invoker: ScriptedInvoker): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const record of invoker.events.flatMap((event) => event.Records)) {
    byKey.set(record.kinesis.partitionKey, [...(byKey.get(record.kinesis.partitionKey) ?? []), Buffer.from(record.kinesis.data, 'base64').toString()]);
  }
  return byKey;
}

/** A function slow enough that the parent shard is still being processed when its children get records. */
const slowFunction = () => new ScriptedInvoker(async () => (await new Promise((resolve) => setTimeout(resolve, 15)), { kind: 'success' }));

describe('Kinesis resharding while processing', () => {
  let fixture: KinesisFixture;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('finishes the parent of a split before its children: nothing lost, per-key order kept (LATEST mapping)', async () => {
    const stream = await fixture.createStream(1);
    const invoker = slowFunction();
    const subject = fixture.poller(fixture.mapping(stream.arn, { StartingPosition: 'LATEST', BatchSize: 2 }), invoker);
    await subject.poller.start();

    await fixture.put(stream.arn, KEYS.map((key) => ({ data: `${key}:1`, key })));
    const [parent] = (await clients.kinesis.send(new ListShardsCommand({ StreamARN: stream.arn }))).Shards!;
    const middle = (BigInt(parent!.HashKeyRange!.StartingHashKey!) + BigInt(parent!.HashKeyRange!.EndingHashKey!)) / 2n;
    await clients.kinesis.send(new SplitShardCommand({ StreamName: stream.name, ShardToSplit: parent!.ShardId!, NewStartingHashKey: middle.toString() }));
    await waitForActive(clients.kinesis, stream.name);
    await fixture.put(stream.arn, KEYS.map((key) => ({ data: `${key}:2`, key })));

    await waitFor(() => invoker.deliveredData.length >= KEYS.length * 2, { message: 'records of the children not delivered', timeoutMs: 30_000 });
    expect(invoker.deliveredData).toHaveLength(KEYS.length * 2);
    for (const key of KEYS) expect(dataByKey(invoker).get(key)).toEqual([`${key}:1`, `${key}:2`]);
    const parentEnded = subject.logs.findIndex((line) => line.msg === 'shard_ended' && line.shardId === parent!.ShardId);
    const childStarts = subject.logs.flatMap((line, index) => (line.msg === 'shard_consumer_started' && line.shardId !== parent!.ShardId ? [index] : []));
    expect(parentEnded).toBeGreaterThanOrEqual(0);
    expect(childStarts).toHaveLength(2);
    expect(childStarts.every((index) => index > parentEnded)).toBe(true);
  });

  it('finishes both parents of a merge before the merged shard', async () => {
    const stream = await fixture.createStream(2);
    const invoker = slowFunction();
    const subject = fixture.poller(fixture.mapping(stream.arn, { BatchSize: 2 }), invoker);
    await subject.poller.start();

    await fixture.put(stream.arn, KEYS.map((key) => ({ data: `${key}:1`, key })));
    const [left, right] = (await clients.kinesis.send(new ListShardsCommand({ StreamARN: stream.arn }))).Shards!;
    await clients.kinesis.send(new MergeShardsCommand({ StreamName: stream.name, ShardToMerge: left!.ShardId!, AdjacentShardToMerge: right!.ShardId! }));
    await waitForActive(clients.kinesis, stream.name);
    await fixture.put(stream.arn, KEYS.map((key) => ({ data: `${key}:2`, key })));

    await waitFor(() => invoker.deliveredData.length >= KEYS.length * 2, { message: 'records of the merged shard not delivered', timeoutMs: 30_000 });
    expect(invoker.deliveredData).toHaveLength(KEYS.length * 2);
    for (const key of KEYS) expect(dataByKey(invoker).get(key)).toEqual([`${key}:1`, `${key}:2`]);
    const ended = subject.logs.filter((line) => line.msg === 'shard_ended').map((line) => line.shardId);
    expect(ended).toEqual(expect.arrayContaining([left!.ShardId, right!.ShardId]));
  });
});
