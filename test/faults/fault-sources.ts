import { randomInt } from 'node:crypto';
import { DeleteTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { TestClients } from '../harness/aws-clients.js';
import { createStreamTable } from '../harness/dynamodb-table.js';
import { createTestStream } from '../harness/kinesis-stream.js';
import { uniqueName } from '../harness/unique-name.js';
import type { RecordReader } from './ledger.js';

/** A source the fault scenarios push records with unique ids to, and how its events carry them. */
export interface FaultSource {
  readonly kind: 'kinesis' | 'dynamodb' | 'sqs';
  readonly arn: string;
  readonly read: RecordReader;
  /** Pushes `count` new records; returns their ids in push order (only those the source accepted). */
  push(count: number): Promise<string[]>;
  /** Deletes the stream, table or queue. */
  delete(): Promise<void>;
}

let sequence = 0;
const nextId = (tag: string) => `${tag}-${(sequence++).toString(36)}`;

/** A Kinesis stream whose records can also be put one by one with a chosen id, partition key and size. */
export interface KinesisFaultSource extends FaultSource {
  /** Puts one record with this id under `key`, padded with `padBytes` bytes; returns where it landed. */
  putOne(id: string, key: string, padBytes?: number): Promise<{ shardId: string; sequenceNumber: string }>;
}

/** A Kinesis stream with `shardCount` shards; records spread over 64 partition keys. Order is kept per shard. */
export async function kinesisSource(clients: TestClients, shardCount: number): Promise<KinesisFaultSource> {
  const stream = await createTestStream(clients.kinesis, shardCount, 'fault');
  return {
    kind: 'kinesis',
    arn: stream.arn,
    read: (event) =>
      (event as { Records: { eventID: string; kinesis: { data: string; sequenceNumber: string } }[] }).Records.map((record) => ({
        id: (JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as { id: string }).id,
        group: record.eventID.split(':')[0]!,
        position: BigInt(record.kinesis.sequenceNumber),
      })),
    push: async (count) => {
      const ids = Array.from({ length: count }, () => nextId('k'));
      const out = await clients.kinesis.send(
        new PutRecordsCommand({ StreamARN: stream.arn, Records: ids.map((id) => ({ Data: Buffer.from(JSON.stringify({ id })), PartitionKey: `key-${randomInt(64)}` })) }),
      );
      return ids.filter((_, i) => out.Records?.[i]?.SequenceNumber !== undefined);
    },
    putOne: async (id, key, padBytes = 0) => {
      const data = Buffer.from(JSON.stringify({ id, pad: 'x'.repeat(padBytes) }));
      const out = await clients.kinesis.send(new PutRecordsCommand({ StreamARN: stream.arn, Records: [{ Data: data, PartitionKey: key }] }));
      const { ShardId: shardId, SequenceNumber: sequenceNumber, ErrorMessage } = out.Records?.[0] ?? {};
      if (!shardId || !sequenceNumber) throw new Error(`record ${id} not put: ${ErrorMessage}`);
      return { shardId, sequenceNumber };
    },
    delete: async () => {
      await clients.kinesis.send(new DeleteStreamCommand({ StreamARN: stream.arn, EnforceConsumerDeletion: true }));
    },
  };
}

/** A DynamoDB table with a stream; items over 16 keys, written one after another per key. Order is kept per key. */
export async function dynamodbSource(clients: TestClients): Promise<FaultSource> {
  const name = uniqueName('fault-table');
  const arn = await createStreamTable(clients.dynamodb, name);
  return {
    kind: 'dynamodb',
    arn,
    read: (event) =>
      (event as { Records: { dynamodb: { SequenceNumber: string; NewImage?: { pk: { S: string }; id: { S: string } } } }[] }).Records.flatMap((record) =>
        record.dynamodb.NewImage ? [{ id: record.dynamodb.NewImage.id.S, group: record.dynamodb.NewImage.pk.S, position: BigInt(record.dynamodb.SequenceNumber) }] : [],
      ),
    push: async (count) => {
      const byKey = new Map<string, string[]>();
      for (let i = 0; i < count; i++) {
        const key = `item-${randomInt(16)}`;
        byKey.set(key, [...(byKey.get(key) ?? []), nextId('d')]);
      }
      const written: string[] = [];
      // A failed write ends its key's sequence (so order per key holds); the other keys' writes still count.
      const outcomes = await Promise.allSettled(
        [...byKey].map(async ([pk, ids]) => {
          for (const id of ids) {
            await clients.dynamodb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: pk }, id: { S: id } } }));
            written.push(id);
          }
        }),
      );
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (written.length === 0 && failure) throw failure.reason;
      return written;
    },
    delete: async () => {
      await clients.dynamodb.send(new DeleteTableCommand({ TableName: name }));
    },
  };
}

/**
 * An SQS queue with the given visibility timeout: standard (no order promised), or FIFO with messages spread over 8
 * message groups, whose order is kept per group.
 */
export async function sqsSource(clients: TestClients, region: string, visibilityTimeoutSeconds: number, options: { readonly fifo?: boolean } = {}): Promise<FaultSource> {
  const name = `${uniqueName('fault-queue')}${options.fifo ? '.fifo' : ''}`;
  const attributes: Record<string, string> = { VisibilityTimeout: String(visibilityTimeoutSeconds) };
  if (options.fifo) Object.assign(attributes, { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return {
    kind: 'sqs',
    arn: `arn:aws:sqs:${region}:000000000000:${name}`,
    read: (event) =>
      (event as { Records: { body: string; attributes: Record<string, string> }[] }).Records.map((record) => ({
        id: (JSON.parse(record.body) as { id: string }).id,
        group: record.attributes.MessageGroupId,
        position: BigInt(record.attributes.SequenceNumber ?? 0),
      })),
    push: async (count) => {
      const sent: string[] = [];
      for (let start = 0; start < count; start += 10) {
        const ids = Array.from({ length: Math.min(10, count - start) }, () => nextId('q'));
        const out = await clients.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl,
            Entries: ids.map((id, i) => ({ Id: String(i), MessageBody: JSON.stringify({ id }), ...(options.fifo ? { MessageGroupId: `group-${randomInt(8)}` } : {}) })),
          }),
        );
        const ok = new Set((out.Successful ?? []).map((entry) => entry.Id));
        sent.push(...ids.filter((_, i) => ok.has(String(i))));
      }
      return sent;
    },
    delete: async () => {
      await clients.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    },
  };
}
