import { describe, expect, it } from 'vitest';
import { parseDestinationArn } from '../../../src/destinations/destination-arn.js';
import { InvalidDestinationArnError, PermanentDestinationError } from '../../../src/destinations/destination-error.js';

describe('parseDestinationArn', () => {
  it('parses an SQS queue ARN', () => {
    expect(parseDestinationArn('arn:aws:sqs:us-east-2:123456789012:my-failures')).toStrictEqual({
      service: 'sqs',
      arn: 'arn:aws:sqs:us-east-2:123456789012:my-failures',
      partition: 'aws',
      region: 'us-east-2',
      accountId: '123456789012',
      queueName: 'my-failures',
      fifo: false,
    });
  });

  it('marks FIFO queues and topics', () => {
    expect(parseDestinationArn('arn:aws:sqs:us-east-1:000000000000:orders.fifo')).toMatchObject({ queueName: 'orders.fifo', fifo: true });
    expect(parseDestinationArn('arn:aws:sns:us-east-1:000000000000:alerts.fifo')).toMatchObject({ topicName: 'alerts.fifo', fifo: true });
  });

  it('parses an SNS topic ARN', () => {
    expect(parseDestinationArn('arn:aws-cn:sns:cn-north-1:123456789012:my_topic')).toStrictEqual({
      service: 'sns',
      arn: 'arn:aws-cn:sns:cn-north-1:123456789012:my_topic',
      partition: 'aws-cn',
      region: 'cn-north-1',
      accountId: '123456789012',
      topicName: 'my_topic',
      fifo: false,
    });
  });

  it('parses an S3 bucket ARN, which has no region or account', () => {
    expect(parseDestinationArn('arn:aws:s3:::my.failure-bucket')).toStrictEqual({
      service: 's3',
      arn: 'arn:aws:s3:::my.failure-bucket',
      partition: 'aws',
      bucket: 'my.failure-bucket',
    });
  });

  it('parses a function ARN, with or without qualifier, and an EventBridge bus ARN', () => {
    expect(parseDestinationArn('arn:aws:lambda:us-east-1:123456789012:function:f')).toStrictEqual({
      service: 'lambda',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      partition: 'aws',
      region: 'us-east-1',
      accountId: '123456789012',
      functionName: 'f',
    });
    expect(parseDestinationArn('arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST')).toMatchObject({ functionName: 'f', qualifier: '$LATEST' });
    expect(parseDestinationArn('arn:aws:events:us-east-1:123456789012:event-bus/default')).toStrictEqual({
      service: 'events',
      arn: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
    });
  });

  it.each([
    ['not an ARN', 'my-queue'],
    ['a URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/q'],
    ['an unsupported service', 'arn:aws:kinesis:us-east-1:123456789012:stream/s'],
    ['a Lambda layer', 'arn:aws:lambda:us-east-1:123456789012:layer:l'],
    ['an SQS ARN without region', 'arn:aws:sqs::123456789012:q'],
    ['an SQS ARN without account', 'arn:aws:sqs:us-east-1::q'],
    ['an SQS ARN with a short account', 'arn:aws:sqs:us-east-1:1234:q'],
    ['an SQS queue name with a bad character', 'arn:aws:sqs:us-east-1:123456789012:bad$name'],
    ['an SQS queue name over 80 characters', `arn:aws:sqs:us-east-1:123456789012:${'q'.repeat(81)}`],
    ['an S3 ARN with a region', 'arn:aws:s3:us-east-1::bucket'],
    ['an S3 object ARN', 'arn:aws:s3:::bucket/key'],
    ['an S3 bucket name in capitals', 'arn:aws:s3:::MyBucket'],
    ['a resource with a colon', 'arn:aws:sns:us-east-1:123456789012:topic:subscription-id'],
  ])('rejects %s', (_case, arn) => {
    let error: unknown;
    try {
      parseDestinationArn(arn);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidDestinationArnError);
    expect(error).toBeInstanceOf(PermanentDestinationError);
    expect(error).toMatchObject({ name: 'InvalidDestinationArnError', destinationArn: arn });
  });
});
