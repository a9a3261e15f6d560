import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { TestClients } from '../../test/harness/aws-clients.js';
import type { DemoSource } from './demo-view.js';
import { CLICKS_STREAM, ORDERS_TABLE, type DemoResources } from './demo-resources.js';

/** Pause between two rounds of writes to each source; a few records a second keep a shared machine calm. */
const ROUND_INTERVAL_MS = 1_000;
/** Pause after a failed write (an emulator restarting, the demo stopping). */
const ERROR_PAUSE_MS = 2_000;
const ORDERS_PER_ROUND = 5;
const CLICK_EVENTS_PER_ROUND = 12;
const PAGES = ['home', 'search', 'product', 'cart', 'checkout'];

/**
 * Writes a steady trickle of records to each source and counts what it wrote: orders to the SQS queue (one in
 * twenty with a quantity of 0, which the consumer reports as failed), click and page-view events to the
 * Kinesis stream (views are filtered out by the mapping; one click in forty has no page, which ends in the
 * on-failure destination), and order inserts, status updates and deletes in the DynamoDB table.
 */
export class TrafficGenerator {
  readonly produced: Record<DemoSource, number> = { sqs: 0, kinesis: 0, dynamodb: 0 };
  private sequence = 0;
  private readonly liveOrders: string[] = [];

  constructor(
    private readonly clients: TestClients,
    private readonly resources: DemoResources,
  ) {}

  /** Runs until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const loops = [this.loop(signal, () => this.sendOrders(signal)), this.loop(signal, () => this.putClicks(signal))];
    if (this.resources.ordersStreamArn) loops.push(this.loop(signal, () => this.changeOrders(signal)));
    await Promise.all(loops);
  }

  private async loop(signal: AbortSignal, round: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      let pause = ROUND_INTERVAL_MS;
      try {
        await round();
      } catch {
        pause = ERROR_PAUSE_MS;
      }
      await delay(pause, undefined, { signal }).catch(() => undefined);
    }
  }

  private async sendOrders(signal: AbortSignal): Promise<void> {
    const entries = Array.from({ length: ORDERS_PER_ROUND }, () => {
      const n = ++this.sequence;
      const order = { orderId: `o-${n}`, quantity: n % 20 === 0 ? 0 : 1 + (n % 4), unitPrice: 9.5 };
      return { Id: `m${n}`, MessageBody: JSON.stringify(order) };
    });
    const out = await this.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.resources.ordersQueueUrl, Entries: entries }), { abortSignal: signal });
    this.produced.sqs += out.Successful?.length ?? 0;
  }

  private async putClicks(signal: AbortSignal): Promise<void> {
    const records = Array.from({ length: CLICK_EVENTS_PER_ROUND }, () => {
      const n = ++this.sequence;
      const user = `user-${n % 7}`;
      const event = n % 4 === 0 ? { type: 'view', page: PAGES[n % PAGES.length], user } : n % 40 === 1 ? { type: 'click', user } : { type: 'click', page: PAGES[n % PAGES.length], user };
      return { PartitionKey: user, Data: Buffer.from(JSON.stringify(event)) };
    });
    const out = await this.clients.kinesis.send(new PutRecordsCommand({ StreamName: CLICKS_STREAM, Records: records }), { abortSignal: signal });
    this.produced.kinesis += records.length - (out.FailedRecordCount ?? 0);
  }

  /** Two new orders, one paid, one deleted once there are enough: every kind of change the handler sees. */
  private async changeOrders(signal: AbortSignal): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const orderId = randomUUID();
      await this.clients.dynamodb.send(
        new PutItemCommand({ TableName: ORDERS_TABLE, Item: { orderId: { S: orderId }, status: { S: 'NEW' }, total: { N: String(10 + (this.sequence % 90)) } } }),
        { abortSignal: signal },
      );
      this.liveOrders.push(orderId);
      this.produced.dynamodb++;
    }
    const paid = this.liveOrders[this.liveOrders.length - 2];
    if (paid) {
      await this.clients.dynamodb.send(
        new UpdateItemCommand({
          TableName: ORDERS_TABLE,
          Key: { orderId: { S: paid } },
          UpdateExpression: 'SET #status = :paid',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':paid': { S: 'PAID' } },
        }),
        { abortSignal: signal },
      );
      this.produced.dynamodb++;
    }
    if (this.liveOrders.length > 10) {
      const gone = this.liveOrders.shift()!;
      await this.clients.dynamodb.send(new DeleteItemCommand({ TableName: ORDERS_TABLE, Key: { orderId: { S: gone } } }), { abortSignal: signal });
      this.produced.dynamodb++;
    }
  }
}
