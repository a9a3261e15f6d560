import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TEST_REGION } from '../test/harness/servers.js';
import { waitFor } from '../test/harness/wait-for.js';
import { epochMs } from './process-sampler.js';

/** Parallel SendMessageBatch calls while filling a queue. */
const FILL_CONCURRENCY = 16;
/** The queue is probed this often while it drains. */
const DRAIN_PROBE_INTERVAL_MS = 20;
/** Longer than the function's 30 s timeout, as the service requires. */
const VISIBILITY_TIMEOUT_SECONDS = 60;
const ACCOUNT = '000000000000';

/** A queue made for one measurement. */
export class BenchQueue {
  private constructor(
    private readonly sqs: SQSClient,
    readonly url: string,
    readonly arn: string,
  ) {}

  static async create(sqs: SQSClient): Promise<BenchQueue> {
    const name = `bench-${randomUUID().slice(0, 8)}`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS) } }));
    return new BenchQueue(sqs, QueueUrl!, `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${name}`);
  }

  /** Sends `count` small JSON messages. */
  async fill(count: number): Promise<void> {
    const batches = Math.ceil(count / 10);
    let next = 0;
    const sender = async (): Promise<void> => {
      for (let batch = next++; batch < batches; batch = next++) {
        const size = Math.min(10, count - batch * 10);
        await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.url,
            Entries: Array.from({ length: size }, (_, index) => ({ Id: String(index), MessageBody: `{"n":${batch * 10 + index}}` })),
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: FILL_CONCURRENCY }, sender));
  }

  /** Waits until no message is left, visible or in flight (so every one was deleted); returns that moment, epoch ms. */
  async awaitDrained(timeoutMs = 300_000): Promise<number> {
    return waitFor(
      async () => {
        const { Attributes = {} } = await this.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: this.url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        );
        const left = Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
        return left === 0 ? epochMs() : undefined;
      },
      { timeoutMs, intervalMs: DRAIN_PROBE_INTERVAL_MS, message: `queue ${this.url} did not drain` },
    );
  }

  async delete(): Promise<void> {
    await this.sqs.send(new DeleteQueueCommand({ QueueUrl: this.url })).catch(() => undefined);
  }
}
