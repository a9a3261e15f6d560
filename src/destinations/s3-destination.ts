import type { S3Client } from '@aws-sdk/client-s3';
import type { S3BucketArn } from './destination-arn.js';
import { PermanentDestinationError } from './destination-error.js';
import type { DestinationTarget, QueuedDelivery } from './destination-target.js';
import { withSignal } from '../aws/call-signal.js';
import { s3Sdk } from '../aws/sdk-packages.js';

/**
 * Writes a delivery to an S3 bucket as one JSON object, under the key fixed when it was queued (spec §3.7:
 * `aws/lambda/<ESM-UUID>/<shardId>/…`, §6.3: `aws/lambda/async/<function>/…`). The key's random part is the
 * delivery id, so a retried attempt overwrites the same object.
 */
export class S3Destination implements DestinationTarget {
  constructor(
    private readonly bucket: S3BucketArn,
    private readonly s3: S3Client,
  ) {}

  async deliver(delivery: QueuedDelivery, signal?: AbortSignal): Promise<void> {
    const object = delivery.s3Object;
    if (!object) throw new PermanentDestinationError(`The delivery ${delivery.deliveryId} has no S3 object`, delivery.destinationArn);
    await this.s3.send(
      withSignal(new (s3Sdk().PutObjectCommand)({ Bucket: this.bucket.bucket, Key: object.key, Body: object.body, ContentType: 'application/json' }), signal),
    );
  }
}
