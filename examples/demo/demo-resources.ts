import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { TestClients } from '../../test/harness/aws-clients.js';
import { waitFor } from '../../test/harness/wait-for.js';

/** Account and region the emulators use; the ARNs of examples/demo/demo.yaml are built on them. */
export const DEMO_ACCOUNT_ID = '000000000000';
export const DEMO_REGION = 'us-east-1';
export const ORDERS_QUEUE = 'demo-orders';
export const ORDERS_DLQ = 'demo-orders-dlq';
export const CLICKS_STREAM = 'demo-clicks';
export const CLICKS_FAILURES_QUEUE = 'demo-clicks-failures';
export const ORDERS_TABLE = 'demo-orders';
export const CDC_FAILURES_QUEUE = 'demo-cdc-failures';
/**
 * A failed order comes back after this long and moves to the DLQ on its second failed receive. At least the
 * mapping's batching window plus the function's timeout (1 + 3 s), else AWS (and so the poller) would stretch
 * it by 30 s.
 */
const ORDERS_VISIBILITY_TIMEOUT_SECONDS = 5;
const ORDERS_MAX_RECEIVE_COUNT = 2;
const CLICKS_SHARDS = 2;
const READY_TIMEOUT_MS = 30_000;

export interface DemoResources {
  readonly ordersQueueUrl: string;
  readonly ordersDlqUrl: string;
  /** The table's stream, when DynamoDB Local runs. */
  readonly ordersStreamArn: string | undefined;
}

export function sqsArn(queue: string): string {
  return `arn:aws:sqs:${DEMO_REGION}:${DEMO_ACCOUNT_ID}:${queue}`;
}

/**
 * Creates what the demo's mappings read and write: the orders queue (redrive to its DLQ), the clicks stream,
 * the failure queues, and, with DynamoDB Local, the orders table with a NEW_AND_OLD_IMAGES stream.
 */
export async function createDemoResources(clients: TestClients, withDynamodb: boolean): Promise<DemoResources> {
  // Requests go to the client's endpoint; the queue URL is only the queue's name for the emulator, as returned.
  const { QueueUrl: ordersDlqUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: ORDERS_DLQ }));
  const { QueueUrl: ordersQueueUrl } = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: ORDERS_QUEUE,
      Attributes: {
        VisibilityTimeout: String(ORDERS_VISIBILITY_TIMEOUT_SECONDS),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsArn(ORDERS_DLQ), maxReceiveCount: String(ORDERS_MAX_RECEIVE_COUNT) }),
      },
    }),
  );
  await clients.sqs.send(new CreateQueueCommand({ QueueName: CLICKS_FAILURES_QUEUE }));
  await clients.sqs.send(new CreateQueueCommand({ QueueName: CDC_FAILURES_QUEUE }));
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: CLICKS_STREAM, ShardCount: CLICKS_SHARDS }));
  await waitFor(
    async () => (await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: CLICKS_STREAM }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    { timeoutMs: READY_TIMEOUT_MS, intervalMs: 200, message: `Kinesis stream ${CLICKS_STREAM} did not become ACTIVE` },
  );
  let ordersStreamArn: string | undefined;
  if (withDynamodb) {
    const created = await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: ORDERS_TABLE,
        AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    ordersStreamArn = created.TableDescription?.LatestStreamArn;
    await waitFor(async () => (await clients.dynamodb.send(new DescribeTableCommand({ TableName: ORDERS_TABLE }))).Table?.TableStatus === 'ACTIVE', {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 200,
      message: `table ${ORDERS_TABLE} did not become ACTIVE`,
    });
  }
  return { ordersQueueUrl: ordersQueueUrl ?? '', ordersDlqUrl: ordersDlqUrl ?? '', ordersStreamArn };
}
