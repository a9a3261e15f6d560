import type { MappingLabels } from '../observability/metrics.js';

/**
 * What a delivery carries, for metrics and logs: the on-failure record of a stream mapping, the invocation record
 * of an asynchronous invocation (success or failure), or an asynchronous event for a dead-letter queue.
 */
export type DeliveryKind = 'stream-failure' | 'async-record' | 'dead-letter';

/** An SQS or SNS message attribute (dead-letter messages carry `RequestID`, `ErrorCode`, `ErrorMessage`). */
export interface DeliveryAttribute {
  readonly type: 'String' | 'Number';
  readonly value: string;
}

/**
 * One delivery as the destination queue stores it and a target sends it. Everything a target needs is computed
 * when the delivery is queued, so every attempt sends exactly the same thing.
 */
export interface QueuedDelivery {
  readonly kind: DeliveryKind;
  /** SQS queue, SNS topic, S3 bucket or Lambda function ARN. */
  readonly destinationArn: string;
  /**
   * A random UUID fixed when the delivery was queued. Every attempt of one delivery uses it, so a retried S3 put
   * overwrites its own object instead of writing a second one.
   */
  readonly deliveryId: string;
  /** The SQS message body, the SNS `Message`, or the event of a function destination. */
  readonly message: string;
  readonly messageAttributes?: Readonly<Record<string, DeliveryAttribute>>;
  /** For S3 destinations: the object's key and body. */
  readonly s3Object?: { readonly key: string; readonly body: string };
  /** Events the delivery covers (for the delivered/dropped event counts). */
  readonly eventCount: number;
  /** Metric labels (`mapping` is empty and `source` is `async` for asynchronous invocations). */
  readonly labels: MappingLabels;
  /** Shard of a stream failure, for logs. */
  readonly shardId?: string;
}

/**
 * One destination (an SQS queue, SNS topic, S3 bucket or function). `deliver` resolves once the destination
 * accepted the delivery; it rejects with a `PermanentDestinationError` when retrying cannot help, with any other
 * error when a later attempt may succeed. `signal` aborts the request in flight.
 */
export interface DestinationTarget {
  deliver(delivery: QueuedDelivery, signal?: AbortSignal): Promise<void>;
}
