import type { SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBClient, CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import type { ResourceLookup } from './template-resolver.js';
import { dynamodbSdk, kinesisSdk, sqsSdk } from '../aws/sdk-packages.js';

/** Clients of the configured endpoints (the emulators, or AWS). */
export interface TemplateClients {
  readonly sqs: SQSClient;
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
}

/** How long a created stream or table may take to become active. */
const ACTIVE_TIMEOUT_MS = 30_000;
const ACTIVE_POLL_MS = 200;

/** Looks queues and table streams up in the configured endpoints. */
export function resourceLookup(clients: TemplateClients): ResourceLookup {
  return {
    async queueUrl(name) {
      return (await clients.sqs.send(new (sqsSdk().GetQueueUrlCommand)({ QueueName: name }))).QueueUrl!;
    },
    async tableStreamArn(name) {
      const table = (await clients.dynamodb.send(new (dynamodbSdk().DescribeTableCommand)({ TableName: name }))).Table;
      if (!table?.LatestStreamArn) throw Object.assign(new Error(`table ${name} has no stream (StreamSpecification)`), { name: 'NoStream' });
      return table.LatestStreamArn;
    },
  };
}

/** A queue as declared (resolved properties). */
export interface DeclaredQueue {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly redrivePolicy?: string;
}

/**
 * Creates the queues, streams and tables a template declares when they do not exist yet (`--create-resources`).
 * Queues are created first without their redrive policy, which is set once every queue exists (a dead-letter queue
 * may be declared after the queue that uses it).
 */
export async function createMissingResources(
  clients: TemplateClients,
  declared: { readonly queues: readonly DeclaredQueue[]; readonly streams: readonly { name: string; shardCount: number }[]; readonly tables: readonly CreateTableCommandInput[] },
): Promise<string[]> {
  const created: string[] = [];
  for (const queue of declared.queues) {
    let url: string;
    try {
      url = (await clients.sqs.send(new (sqsSdk().CreateQueueCommand)({ QueueName: queue.name, Attributes: { ...queue.attributes } }))).QueueUrl!;
      created.push(`queue ${queue.name}`);
    } catch (err) {
      // It exists with other attributes: it is used as it is.
      if ((err as Error).name !== 'QueueNameExists' && (err as Error).name !== 'QueueAlreadyExists') throw err;
      url = (await clients.sqs.send(new (sqsSdk().GetQueueUrlCommand)({ QueueName: queue.name }))).QueueUrl!;
    }
    if (queue.redrivePolicy) await clients.sqs.send(new (sqsSdk().SetQueueAttributesCommand)({ QueueUrl: url, Attributes: { RedrivePolicy: queue.redrivePolicy } }));
  }
  for (const stream of declared.streams) {
    try {
      await clients.kinesis.send(new (kinesisSdk().CreateStreamCommand)({ StreamName: stream.name, ShardCount: stream.shardCount }));
      created.push(`stream ${stream.name}`);
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') throw err;
    }
    await until(async () => (await clients.kinesis.send(new (kinesisSdk().DescribeStreamSummaryCommand)({ StreamName: stream.name }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE', `stream ${stream.name}`);
  }
  for (const table of declared.tables) {
    try {
      await clients.dynamodb.send(new (dynamodbSdk().CreateTableCommand)(table));
      created.push(`table ${table.TableName}`);
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') throw err;
    }
    await until(async () => (await clients.dynamodb.send(new (dynamodbSdk().DescribeTableCommand)({ TableName: table.TableName! }))).Table?.TableStatus === 'ACTIVE', `table ${table.TableName}`);
  }
  return created;
}

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS} ms`);
    await delay(ACTIVE_POLL_MS);
  }
}
