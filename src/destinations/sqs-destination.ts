import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SqsQueueArn } from './destination-arn.js';
import { UnsupportedDestinationError } from './destination-error.js';
import type { DestinationTarget, QueuedDelivery } from './destination-target.js';
import { messageAttributesOf } from './message-attributes.js';
import { withSignal } from '../aws/call-signal.js';
import { sqsSdk } from '../aws/sdk-packages.js';

/**
 * Delivers to a standard SQS queue: the record JSON (or a dead-letter event) is the message body (spec §3.7, §6.3).
 * The queue URL is looked up once by name and owner account, and looked up again after a failed send, in case
 * the queue was deleted and created again.
 */
export class SqsDestination implements DestinationTarget {
  private queueUrl: Promise<string> | undefined;

  constructor(
    private readonly queue: SqsQueueArn,
    private readonly sqs: SQSClient,
  ) {}

  async deliver(delivery: QueuedDelivery, signal?: AbortSignal): Promise<void> {
    // AWS does not deliver on-failure records to FIFO queues; the attempt counts as a delivery failure.
    if (this.queue.fifo) throw new UnsupportedDestinationError(this.queue.arn, 'FIFO queues are not supported as destinations');
    try {
      const url = await this.url(signal);
      await this.sqs.send(withSignal(new (sqsSdk().SendMessageCommand)({ QueueUrl: url, MessageBody: delivery.message, MessageAttributes: messageAttributesOf(delivery.messageAttributes) }), signal));
    } catch (err) {
      this.queueUrl = undefined;
      throw err;
    }
  }

  private url(signal?: AbortSignal): Promise<string> {
    this.queueUrl ??= this.sqs
      .send(withSignal(new (sqsSdk().GetQueueUrlCommand)({ QueueName: this.queue.queueName, QueueOwnerAWSAccountId: this.queue.accountId }), signal))
      .then((out) => {
        if (!out.QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${this.queue.arn}`);
        return out.QueueUrl;
      });
    return this.queueUrl;
  }
}
