import type { AwsClientFactory } from '../aws/client-factory.js';
import { parseDestinationArn } from './destination-arn.js';
import type { DestinationTarget } from './destination-target.js';
import { S3Destination } from './s3-destination.js';
import { SnsDestination } from './sns-destination.js';
import { SqsDestination } from './sqs-destination.js';

/**
 * Finds the delivery target of a destination ARN, one per ARN (so an SQS queue URL is looked up once).
 * Clients come from the factory, in the ARN's region; S3 ARNs carry none and use the default region.
 */
export class DestinationTargets {
  private readonly targets = new Map<string, DestinationTarget>();

  constructor(private readonly aws: AwsClientFactory) {}

  /** @throws InvalidDestinationArnError when the ARN is not an SQS queue, SNS topic or S3 bucket ARN. */
  forArn(arn: string): DestinationTarget {
    let target = this.targets.get(arn);
    if (!target) {
      target = this.build(arn);
      this.targets.set(arn, target);
    }
    return target;
  }

  private build(arn: string): DestinationTarget {
    const parsed = parseDestinationArn(arn);
    switch (parsed.service) {
      case 'sqs':
        return new SqsDestination(parsed, this.aws.sqs(parsed.region));
      case 'sns':
        return new SnsDestination(parsed, this.aws.sns(parsed.region));
      case 's3':
        return new S3Destination(parsed, this.aws.s3());
    }
  }
}
