import { isS3Destination } from './destination-arn.js';
import type { QueuedDelivery } from './destination-target.js';
import type { FailureDelivery } from './on-failure-destination.js';
import { s3ObjectKey } from './s3-object-key.js';

/**
 * The queued form of a stream mapping's failure record (spec §3.7): the record JSON as SQS body and SNS message;
 * for S3 the record plus `payload` (the whole invocation event as a JSON string) under
 * `aws/lambda/<ESM-UUID>/<shardId>/YYYY/MM/DD/…-<deliveryId>`. Only S3 deliveries keep the payload in Redis.
 */
export function streamFailureDelivery(failure: FailureDelivery, deliveryId: string): QueuedDelivery {
  return {
    kind: 'stream-failure',
    destinationArn: failure.destinationArn,
    deliveryId,
    message: JSON.stringify(failure.record),
    ...(isS3Destination(failure.destinationArn)
      ? {
          s3Object: {
            key: s3ObjectKey(failure.mappingUuid, failure.shardId, recordTime(failure.record), deliveryId),
            body: JSON.stringify({ ...failure.record, payload: failure.payload }),
          },
        }
      : {}),
    eventCount: failure.eventCount,
    labels: { mapping: failure.mappingUuid, function: failure.functionName, source: failure.source },
    shardId: failure.shardId,
  };
}

/**
 * A job as stored: deliveries queued by a version that stored the stream failure itself (with `record` and
 * `payload`) are converted, so an upgrade with deliveries still queued loses none.
 */
export function queuedDeliveryOf(stored: QueuedDelivery | (FailureDelivery & { deliveryId: string })): QueuedDelivery {
  return 'record' in stored ? streamFailureDelivery(stored, stored.deliveryId) : stored;
}


/** The record's own `timestamp`; the current time if it has none that parses. */
function recordTime(record: Record<string, unknown>): Date {
  const parsed = typeof record.timestamp === 'string' ? new Date(record.timestamp) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date();
}
