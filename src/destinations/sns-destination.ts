import type { SNSClient } from '@aws-sdk/client-sns';
import type { SnsTopicArn } from './destination-arn.js';
import { UnsupportedDestinationError } from './destination-error.js';
import type { DestinationTarget, QueuedDelivery } from './destination-target.js';
import { messageAttributesOf } from './message-attributes.js';
import { withSignal } from '../aws/call-signal.js';
import { snsSdk } from '../aws/sdk-packages.js';

/**
 * Delivers to a standard SNS topic: the record JSON (or a dead-letter event) is the notification `Message`
 * (spec §3.7, §6.3). Stream failure records sent to SNS never carry the invocation payload.
 */
export class SnsDestination implements DestinationTarget {
  constructor(
    private readonly topic: SnsTopicArn,
    private readonly sns: SNSClient,
  ) {}

  async deliver(delivery: QueuedDelivery, signal?: AbortSignal): Promise<void> {
    // AWS does not deliver on-failure records to FIFO topics; the attempt counts as a delivery failure.
    if (this.topic.fifo) throw new UnsupportedDestinationError(this.topic.arn, 'FIFO topics are not supported as destinations');
    await this.sns.send(withSignal(new (snsSdk().PublishCommand)({ TopicArn: this.topic.arn, Message: delivery.message, MessageAttributes: messageAttributesOf(delivery.messageAttributes) }), signal));
  }
}
