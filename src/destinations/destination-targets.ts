import type { AwsClientFactory } from '../aws/client-factory.js';
import { parseDestinationArn } from './destination-arn.js';
import { UnsupportedDestinationError } from './destination-error.js';
import type { DestinationTarget } from './destination-target.js';
import { FunctionDestination, type AsyncInvoker } from './function-destination.js';
import { S3Destination } from './s3-destination.js';
import { SnsDestination } from './sns-destination.js';
import { SqsDestination } from './sqs-destination.js';

/**
 * Finds the delivery target of a destination ARN, one per ARN (so an SQS queue URL is looked up once).
 * Clients come from the factory, in the ARN's region; S3 ARNs carry none and use the default region. Function
 * destinations need the asynchronous invoker, given once the service built it.
 */
export class DestinationTargets {
  private readonly targets = new Map<string, DestinationTarget>();
  private asyncInvoker: AsyncInvoker | undefined;

  constructor(private readonly aws: AwsClientFactory) {}

  /** Where function destinations queue their events. */
  setAsyncInvoker(invoker: AsyncInvoker): void {
    this.asyncInvoker = invoker;
  }

  /** @throws PermanentDestinationError when the ARN is malformed or names a kind of destination there is no target for. */
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
      case 'lambda':
        if (!this.asyncInvoker) throw new UnsupportedDestinationError(arn, 'function destinations need asynchronous invocation, which is not running');
        return new FunctionDestination(parsed, this.asyncInvoker);
      case 'events':
        throw new UnsupportedDestinationError(arn, 'EventBridge buses are not supported: there is no local event bus');
    }
  }
}
