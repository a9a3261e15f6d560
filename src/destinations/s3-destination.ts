import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3BucketArn } from './destination-arn.js';
import type { DestinationTarget, QueuedDelivery } from './destination-target.js';
import { s3ObjectKey } from './s3-object-key.js';

/**
 * Delivers failure records to an S3 bucket as JSON objects (spec §3.7): the record plus `payload`, the whole
 * invocation event as an escaped JSON string, under `aws/lambda/<ESM-UUID>/<shardId>/YYYY/MM/DD/…`.
 * The key's random part is the delivery id, so a retried attempt overwrites the same object.
 */
export class S3Destination implements DestinationTarget {
  constructor(
    private readonly bucket: S3BucketArn,
    private readonly s3: S3Client,
  ) {}

  async deliver(delivery: QueuedDelivery, signal?: AbortSignal): Promise<void> {
    const key = s3ObjectKey(delivery.mappingUuid, delivery.shardId, recordTime(delivery.record), delivery.deliveryId);
    const body = JSON.stringify({ ...delivery.record, payload: delivery.payload });
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket.bucket, Key: key, Body: body, ContentType: 'application/json' }),
      { abortSignal: signal },
    );
  }
}

/** The record's own `timestamp`; the current time if it has none that parses. */
function recordTime(record: Record<string, unknown>): Date {
  const parsed = typeof record.timestamp === 'string' ? new Date(record.timestamp) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date();
}
