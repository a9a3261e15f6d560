import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SnsTopicArn } from './destination-arn.js';
import { UnsupportedDestinationError } from './destination-error.js';
import type { DestinationTarget, QueuedDelivery } from './destination-target.js';

/**
 * Delivers failure records to a standard SNS topic: the record JSON is the notification `Message` (spec §3.7).
 * The record sent to SNS never carries the invocation payload, so it stays far below SNS's 256 KB limit (the
 * part AWS would drop to fit is the payload).
 */
export class SnsDestination implements DestinationTarget {
  constructor(
    private readonly topic: SnsTopicArn,
    private readonly sns: SNSClient,
  ) {}

  async deliver(delivery: QueuedDelivery, signal?: AbortSignal): Promise<void> {
    // AWS does not deliver on-failure records to FIFO topics; the attempt counts as a delivery failure.
    if (this.topic.fifo) throw new UnsupportedDestinationError(this.topic.arn, 'FIFO topics are not supported as on-failure destinations');
    await this.sns.send(new PublishCommand({ TopicArn: this.topic.arn, Message: JSON.stringify(delivery.record) }), {
      abortSignal: signal,
    });
  }
}
