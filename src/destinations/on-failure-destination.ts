import type { Lifecycle } from '../runtime/lifecycle.js';

/**
 * Contract between the stream pollers and on-failure delivery (spec §3.7).
 *
 * A poller that gives up on records builds the failure record, hands it to `enqueue`, and moves its
 * checkpoint past those records only after `enqueue` resolved: resolution means the record is durably
 * stored (in Redis, by BullMQ) and will be delivered with retries, even across restarts.
 */
export interface FailureDelivery {
  /** Where to deliver: SQS queue, SNS topic or S3 bucket ARN. */
  readonly destinationArn: string;
  /** The failure record (requestContext, responseContext?, version, timestamp, <Kind>BatchInfo). */
  readonly record: Record<string, unknown>;
  /** The whole invocation event as JSON text: the S3 object's `payload`; not sent to SQS/SNS. */
  readonly payload: string;
  /** Number of records the failure covers (for the delivered/dropped event counts). */
  readonly eventCount: number;
  /** Metric labels. */
  readonly mappingUuid: string;
  readonly functionName: string;
  readonly source: string;
  /** Shard the records came from (part of the S3 key). */
  readonly shardId: string;
}

export interface OnFailureDestinations extends Lifecycle {
  /** Resolves once the delivery is durably queued; rejects if it could not be stored (nothing queued). */
  enqueue(delivery: FailureDelivery): Promise<void>;
}
