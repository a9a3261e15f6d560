import { InvalidDestinationArnError } from './destination-error.js';

/** A destination, parsed from its ARN. */
export type DestinationArn = SqsQueueArn | SnsTopicArn | S3BucketArn | LambdaFunctionArn | EventBusArn;

export interface SqsQueueArn {
  readonly service: 'sqs';
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly queueName: string;
  /** FIFO queues (names ending in `.fifo`) are not valid on-failure destinations. */
  readonly fifo: boolean;
}

export interface SnsTopicArn {
  readonly service: 'sns';
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly topicName: string;
  /** FIFO topics (names ending in `.fifo`) are not valid on-failure destinations. */
  readonly fifo: boolean;
}

export interface S3BucketArn {
  readonly service: 's3';
  readonly arn: string;
  readonly partition: string;
  readonly bucket: string;
}

/** A function destination of asynchronous invocations (`arn:aws:lambda:r:acct:function:name[:qualifier]`). */
export interface LambdaFunctionArn {
  readonly service: 'lambda';
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly functionName: string;
  readonly qualifier?: string;
}

/** An EventBridge bus (`arn:aws:events:r:acct:event-bus/name`): valid on AWS, refused here (no local bus). */
export interface EventBusArn {
  readonly service: 'events';
  readonly arn: string;
}

const FIFO_SUFFIX = '.fifo';
const LAMBDA_FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;
const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;
// arn:<partition>:<service>:<region>:<account>:<resource>; the resource may not contain ':' for these services.
const ARN_PATTERN = /^arn:(aws[a-z-]*):([a-z0-9]+):([a-z0-9-]*):(\d{12})?:([^:]+)$/;
/** SQS queue names: 1–80 of [A-Za-z0-9_-], FIFO names end in `.fifo` within those 80. */
const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$|^[A-Za-z0-9_-]{1,80}$/;
/** SNS topic names: 1–256 of [A-Za-z0-9_-], FIFO names end in `.fifo`. */
const TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,251}(\.fifo)?$|^[A-Za-z0-9_-]{1,256}$/;
/** S3 bucket names: 3–63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit. */
const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses an SQS (`arn:aws:sqs:r:acct:name`), SNS (`arn:aws:sns:r:acct:topic`), S3 (`arn:aws:s3:::bucket`),
 * Lambda function or EventBridge bus ARN. Which kinds a caller accepts is the caller's rule.
 */
export function parseDestinationArn(arn: string): DestinationArn {
  const fn = LAMBDA_FUNCTION_ARN.exec(arn);
  if (fn) {
    const [, partition, region, accountId, functionName, qualifier] = fn as unknown as [string, string, string, string, string, string | undefined];
    return { service: 'lambda', arn, partition, region, accountId, functionName, ...(qualifier !== undefined ? { qualifier } : {}) };
  }
  if (EVENT_BUS_ARN.test(arn)) return { service: 'events', arn };
  const match = ARN_PATTERN.exec(arn);
  if (!match) throw new InvalidDestinationArnError(arn, 'not an ARN of the form arn:partition:service:region:account:resource');
  const [, partition, service, region, accountId, resource] = match as unknown as [string, string, string, string, string | undefined, string];
  switch (service) {
    case 'sqs': {
      const { region: r, accountId: a } = regional(arn, region, accountId);
      if (!QUEUE_NAME_PATTERN.test(resource)) throw new InvalidDestinationArnError(arn, `"${resource}" is not a valid queue name`);
      return { service, arn, partition, region: r, accountId: a, queueName: resource, fifo: resource.endsWith(FIFO_SUFFIX) };
    }
    case 'sns': {
      const { region: r, accountId: a } = regional(arn, region, accountId);
      if (!TOPIC_NAME_PATTERN.test(resource)) throw new InvalidDestinationArnError(arn, `"${resource}" is not a valid topic name`);
      return { service, arn, partition, region: r, accountId: a, topicName: resource, fifo: resource.endsWith(FIFO_SUFFIX) };
    }
    case 's3': {
      if (region !== '' || accountId !== undefined) throw new InvalidDestinationArnError(arn, 'an S3 bucket ARN has no region or account');
      if (!BUCKET_NAME_PATTERN.test(resource)) throw new InvalidDestinationArnError(arn, `"${resource}" is not a valid bucket name`);
      return { service, arn, partition, bucket: resource };
    }
    default:
      throw new InvalidDestinationArnError(arn, `service "${service}" is not a destination (sqs, sns, s3, lambda or events)`);
  }
}

function regional(arn: string, region: string, accountId: string | undefined): { region: string; accountId: string } {
  if (region === '') throw new InvalidDestinationArnError(arn, 'the region is missing');
  if (accountId === undefined) throw new InvalidDestinationArnError(arn, 'the account id is missing');
  return { region, accountId };
}

/** True for an S3 bucket ARN (whose deliveries are objects with a key); false for any other or malformed ARN. */
export function isS3Destination(arn: string): boolean {
  return serviceOf(arn) === 's3';
}

/** True for an SNS topic ARN; false for any other or malformed ARN. */
export function isSnsDestination(arn: string): boolean {
  return serviceOf(arn) === 'sns';
}

function serviceOf(arn: string): DestinationArn['service'] | undefined {
  try {
    return parseDestinationArn(arn).service;
  } catch {
    return undefined;
  }
}
