import type { FailureDelivery } from './on-failure-destination.js';

/** A failure delivery as the queue hands it to a target: the enqueued delivery plus its stable id. */
export interface QueuedDelivery extends FailureDelivery {
  /**
   * A random UUID fixed when the delivery was queued. Every attempt of one delivery uses it, so a retried
   * S3 put overwrites its own object instead of writing a second one.
   */
  readonly deliveryId: string;
}

/**
 * One on-failure destination (an SQS queue, SNS topic or S3 bucket). `deliver` resolves once the destination
 * accepted the record; it rejects with a `PermanentDestinationError` when retrying cannot help, with any other
 * error when a later attempt may succeed. `signal` aborts the request in flight.
 */
export interface DestinationTarget {
  deliver(delivery: QueuedDelivery, signal?: AbortSignal): Promise<void>;
}
