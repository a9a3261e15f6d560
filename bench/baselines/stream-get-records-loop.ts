import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand as DdbGetRecordsCommand, GetShardIteratorCommand as DdbGetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { emulatorClientConfig } from '../../test/harness/aws-clients.js';
import { epochMs, ownCpuSeconds } from '../process-sampler.js';

/** One shard reader of a bare loop: where it starts, and one GetRecords. */
interface ShardApi {
  shardIds(): Promise<string[]>;
  iterator(shardId: string, type: 'TRIM_HORIZON' | 'LATEST'): Promise<string | undefined>;
  read(iterator: string, limit: number): Promise<{ sequenceNumbers: string[]; payloads: Uint8Array[]; next?: string }>;
  destroy(): void;
}

export function shardApi(source: 'kinesis' | 'dynamodb', endpoint: string, streamArn: string): ShardApi {
  if (source === 'kinesis') {
    const kinesis = new KinesisClient(emulatorClientConfig(endpoint));
    return {
      async shardIds() {
        return ((await kinesis.send(new ListShardsCommand({ StreamARN: streamArn }))).Shards ?? []).map((shard) => shard.ShardId!);
      },
      async iterator(shardId, type) {
        return (await kinesis.send(new GetShardIteratorCommand({ StreamARN: streamArn, ShardId: shardId, ShardIteratorType: type }))).ShardIterator;
      },
      async read(iterator, limit) {
        const out = await kinesis.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: iterator, Limit: limit }));
        const records = out.Records ?? [];
        return { sequenceNumbers: records.map((r) => r.SequenceNumber!), payloads: records.map((r) => r.Data!), ...(out.NextShardIterator ? { next: out.NextShardIterator } : {}) };
      },
      destroy: () => kinesis.destroy(),
    };
  }
  const streams = new DynamoDBStreamsClient(emulatorClientConfig(endpoint));
  return {
    async shardIds() {
      return ((await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? []).map((shard) => shard.ShardId!);
    },
    async iterator(shardId, type) {
      return (await streams.send(new DdbGetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type }))).ShardIterator;
    },
    async read(iterator, limit) {
      const out = await streams.send(new DdbGetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      const records = out.Records ?? [];
      return {
        sequenceNumbers: records.map((r) => r.dynamodb!.SequenceNumber!),
        payloads: records.map((r) => Buffer.from(JSON.stringify({ sentAt: Number(r.dynamodb?.NewImage?.['sentAt']?.N) }))),
        ...(out.NextShardIterator ? { next: out.NextShardIterator } : {}),
      };
    },
    destroy: () => streams.destroy(),
  };
}

export interface StreamDrain {
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** The last sequence number read from each shard (the end of what was written). */
  readonly lastSequenceByShard: Record<string, string>;
}

/**
 * The ceiling: every shard read from TRIM_HORIZON with back-to-back GetRecords(`limit`), all shards at once,
 * until `records` records were read.
 */
export async function drainWithGetRecords(api: ShardApi, options: { records: number; limit: number }): Promise<StreamDrain> {
  const shardIds = await api.shardIds();
  const lastSequenceByShard: Record<string, string> = {};
  let read = 0;
  let finishedAt = 0;
  let cpuAfter = 0;
  const cpuBefore = ownCpuSeconds();
  const started = epochMs();
  await Promise.all(
    shardIds.map(async (shardId) => {
      let iterator = await api.iterator(shardId, 'TRIM_HORIZON');
      while (iterator && read < options.records) {
        const out = await api.read(iterator, options.limit);
        if (out.sequenceNumbers.length > 0) lastSequenceByShard[shardId] = out.sequenceNumbers[out.sequenceNumbers.length - 1]!;
        read += out.sequenceNumbers.length;
        if (read >= options.records && finishedAt === 0) {
          finishedAt = epochMs();
          cpuAfter = ownCpuSeconds();
        }
        // A shard read to its end stops; the others go on until every record was read.
        if (out.sequenceNumbers.length === 0) break;
        iterator = out.next;
      }
    }),
  );
  if (finishedAt === 0) throw new Error(`the bare loop read ${read} of ${options.records} records`);
  return { seconds: (finishedAt - started) / 1000, cpuSeconds: cpuAfter - cpuBefore, lastSequenceByShard };
}

/**
 * The floor of a start: every shard read from TRIM_HORIZON at once (GetShardIterator, then GetRecords(`limit`)),
 * as a fresh consumer holding every lease does. Reports when the first shard and when the last shard returned
 * records, from the first call.
 */
export async function firstReadsWithGetRecords(api: ShardApi, options: { limit: number }): Promise<{ firstMs: number; allShardsMs: number }> {
  const shardIds = await api.shardIds();
  const started = epochMs();
  const readAt = await Promise.all(
    shardIds.map(async (shardId) => {
      let iterator = await api.iterator(shardId, 'TRIM_HORIZON');
      while (iterator) {
        const out = await api.read(iterator, options.limit);
        if (out.sequenceNumbers.length > 0) return epochMs() - started;
        iterator = out.next;
      }
      throw new Error(`shard ${shardId} holds no records`);
    }),
  );
  return { firstMs: Math.min(...readAt), allShardsMs: Math.max(...readAt) };
}

/**
 * The floor at rest: every shard read from LATEST with one GetRecords every `intervalMs` (nothing is written), as
 * an idle poller does, for `seconds` after `warmUpSeconds` of the same polling. Reports the CPU it took meanwhile.
 */
export async function idleWithGetRecords(api: ShardApi, options: { seconds: number; warmUpSeconds: number; intervalMs: number }): Promise<{ seconds: number; cpuSeconds: number }> {
  const shardIds = await api.shardIds();
  const iterators = await Promise.all(shardIds.map((shardId) => api.iterator(shardId, 'LATEST')));
  const round = async () => {
    await Promise.all(
      iterators.map(async (iterator, index) => {
        if (!iterator) return;
        iterators[index] = (await api.read(iterator, 100)).next;
      }),
    );
  };
  /** One round every `intervalMs` for `seconds`. */
  const poll = async (seconds: number) => {
    const started = epochMs();
    for (let next = started; next < started + seconds * 1000; next += options.intervalMs) {
      await round();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next + options.intervalMs - epochMs())));
    }
  };
  await round();
  await poll(options.warmUpSeconds);
  const cpuBefore = ownCpuSeconds();
  const started = epochMs();
  await poll(options.seconds);
  return { seconds: (epochMs() - started) / 1000, cpuSeconds: ownCpuSeconds() - cpuBefore };
}
