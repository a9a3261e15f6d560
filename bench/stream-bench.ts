import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, DeleteTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { TestClients } from '../test/harness/aws-clients.js';
import type { TestServers } from '../test/harness/servers.js';
import { createStreamTable } from '../test/harness/dynamodb-table.js';
import { waitFor } from '../test/harness/wait-for.js';
import { createRedis } from '../src/redis/redis-connection.js';
import { RedisKeys } from '../src/redis/keys.js';
import { createLogger } from '../src/observability/logger.js';
import { epochMs } from './process-sampler.js';

/** Records per PutRecords call (the API maximum). */
const PUT_CHUNK = 500;
/** Items per BatchWriteItem call (the API maximum). */
const WRITE_CHUNK = 25;
/** Payload of every Kinesis record of a drain, bytes. */
export const RECORD_BYTES = 100;

/** A stream made for one measurement: Kinesis, or a DynamoDB table's stream. */
export interface BenchStream {
  readonly kind: 'kinesis' | 'dynamodb';
  readonly arn: string;
  /** Writes `count` records; each carries its write time (`sentAt`) when `stamped`. */
  write(count: number, stamped?: boolean): Promise<void>;
  delete(): Promise<void>;
}

export async function createKinesisStream(kinesis: KinesisClient, shards: number): Promise<BenchStream> {
  const name = `bench-${randomUUID().slice(0, 8)}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  const arn = await waitFor(
    async () => {
      const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      return summary?.StreamStatus === 'ACTIVE' ? summary.StreamARN : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: `stream ${name} not active` },
  );
  const padding = 'x'.repeat(RECORD_BYTES);
  return {
    kind: 'kinesis',
    arn,
    async write(count, stamped = false) {
      for (let start = 0; start < count; start += PUT_CHUNK) {
        const size = Math.min(PUT_CHUNK, count - start);
        await kinesis.send(
          new PutRecordsCommand({
            StreamARN: arn,
            Records: Array.from({ length: size }, (_, i) => ({
              Data: Buffer.from(stamped ? JSON.stringify({ sentAt: epochMs() }) : padding),
              PartitionKey: randomUUID(),
            })),
          }),
        );
      }
    },
    async delete() {
      await kinesis.send(new DeleteStreamCommand({ StreamName: name })).catch(() => undefined);
    },
  };
}

export async function createDynamodbStream(dynamodb: DynamoDBClient): Promise<BenchStream> {
  const name = `bench-${randomUUID().slice(0, 8)}`;
  const arn = await createStreamTable(dynamodb, name);
  return {
    kind: 'dynamodb',
    arn,
    async write(count, stamped = false) {
      if (stamped && count === 1) {
        await dynamodb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: randomUUID() }, sentAt: { N: String(epochMs()) } } }));
        return;
      }
      for (let start = 0; start < count; start += WRITE_CHUNK) {
        const size = Math.min(WRITE_CHUNK, count - start);
        await dynamodb.send(
          new BatchWriteItemCommand({
            RequestItems: {
              [name]: Array.from({ length: size }, (_, i) => ({ PutRequest: { Item: { pk: { S: `item-${start + i}` }, sentAt: { N: String(epochMs()) } } } })),
            },
          }),
        );
      }
    },
    async delete() {
      await dynamodb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    },
  };
}

export function createStream(kind: BenchStream['kind'], clients: TestClients, shards = 1): Promise<BenchStream> {
  return kind === 'kinesis' ? createKinesisStream(clients.kinesis, shards) : createDynamodbStream(clients.dynamodb);
}

/**
 * Waits until the service's checkpoint of every shard reached the given last sequence number (the last
 * checkpoint of the drain); returns that moment, epoch ms.
 */
export async function awaitCheckpoints(servers: TestServers, keyPrefix: string, mappingUuid: string, lastSequenceByShard: Readonly<Record<string, string>>): Promise<number> {
  const redis = createRedis(servers.redisUrl, createLogger('silent'), 'bench-checkpoints');
  const keys = new RedisKeys(keyPrefix);
  const shards = Object.entries(lastSequenceByShard);
  try {
    return await waitFor(
      async () => {
        const pipeline = redis.pipeline();
        for (const [shardId] of shards) pipeline.hget(keys.checkpoint(mappingUuid, shardId), 'seq');
        const replies = (await pipeline.exec()) ?? [];
        const done = shards.every(([, last], index) => {
          const seq = replies[index]?.[1];
          return typeof seq === 'string' && BigInt(seq) >= BigInt(last);
        });
        return done ? epochMs() : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 20, message: 'the service did not checkpoint every shard to its end' },
    );
  } finally {
    await redis.quit().catch(() => undefined);
  }
}

/** Leases the service holds on the mapping's shards now. */
export async function leasesHeld(servers: TestServers, keyPrefix: string, mappingUuid: string): Promise<number> {
  const redis = createRedis(servers.redisUrl, createLogger('silent'), 'bench-leases');
  const keys = new RedisKeys(keyPrefix);
  try {
    const shards = await redis.smembers(keys.leaseIndex(mappingUuid));
    const pipeline = redis.pipeline();
    for (const shardId of shards) pipeline.hget(keys.lease(mappingUuid, shardId), 'owner');
    const owners = (await pipeline.exec()) ?? [];
    return owners.filter(([, owner]) => typeof owner === 'string' && owner !== '').length;
  } finally {
    await redis.quit().catch(() => undefined);
  }
}
