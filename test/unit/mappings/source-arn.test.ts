import { describe, expect, it } from 'vitest';
import { parseSourceArn } from '../../../src/mappings/source-arn.js';

describe('parseSourceArn', () => {
  it('reads an SQS standard queue ARN', () => {
    expect(parseSourceArn('arn:aws:sqs:us-east-2:123456789012:my-queue')).toEqual({
      arn: 'arn:aws:sqs:us-east-2:123456789012:my-queue',
      kind: 'sqs',
      partition: 'aws',
      region: 'us-east-2',
      accountId: '123456789012',
      name: 'my-queue',
      fifo: false,
      efoConsumer: false,
      streamArn: 'arn:aws:sqs:us-east-2:123456789012:my-queue',
    });
  });

  it('marks a queue whose name ends in .fifo as FIFO', () => {
    expect(parseSourceArn('arn:aws:sqs:us-east-1:000000000000:orders.fifo')).toMatchObject({ kind: 'sqs', name: 'orders.fifo', fifo: true });
  });

  it('reads a Kinesis stream ARN', () => {
    expect(parseSourceArn('arn:aws:kinesis:eu-west-1:000000000000:stream/clicks.v2')).toMatchObject({
      kind: 'kinesis',
      region: 'eu-west-1',
      name: 'clicks.v2',
      efoConsumer: false,
      streamArn: 'arn:aws:kinesis:eu-west-1:000000000000:stream/clicks.v2',
    });
  });

  it('reads a Kinesis enhanced fan-out consumer ARN and names the stream it reads', () => {
    const source = parseSourceArn('arn:aws:kinesis:us-east-1:000000000000:stream/clicks/consumer/reader-1:1700000000');
    expect(source).toMatchObject({
      kind: 'kinesis',
      name: 'clicks',
      efoConsumer: true,
      consumerName: 'reader-1',
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
    });
  });

  it('reads a DynamoDB stream ARN, including DynamoDB Local region ddblocal', () => {
    const arn = 'arn:aws:dynamodb:ddblocal:000000000000:table/Users/stream/2024-05-01T10:11:12.345';
    expect(parseSourceArn(arn)).toMatchObject({
      kind: 'dynamodb',
      region: 'ddblocal',
      accountId: '000000000000',
      tableName: 'Users',
      name: '2024-05-01T10:11:12.345',
      fifo: false,
      streamArn: arn,
    });
  });

  it.each(['aws', 'aws-cn', 'aws-us-gov'])('accepts partition %s', (partition) => {
    expect(parseSourceArn(`arn:${partition}:sqs:cn-north-1:000000000000:q`)?.partition).toBe(partition);
  });

  it.each([
    '',
    'orders',
    'arn:aws-iso:sqs:us-east-1:000000000000:q',
    'arn:aws:sqs:us-east-1:123:q',
    'arn:aws:sqs:us-east-1:000000000000:bad/name',
    `arn:aws:sqs:us-east-1:000000000000:${'q'.repeat(81)}`,
    'arn:aws:kinesis:us-east-1:000000000000:clicks',
    'arn:aws:kinesis:us-east-1:000000000000:stream/',
    'arn:aws:dynamodb:us-east-1:000000000000:table/Users',
    'arn:aws:dynamodb:us-east-1:000000000000:table/Users/stream/',
    'arn:aws:sns:us-east-1:000000000000:topic',
    'arn:aws:s3:::bucket',
  ])('refuses %j', (arn) => {
    expect(parseSourceArn(arn)).toBeUndefined();
  });

  it('accepts an 80-character standard queue name and an 80-character FIFO name', () => {
    expect(parseSourceArn(`arn:aws:sqs:us-east-1:000000000000:${'q'.repeat(80)}`)?.fifo).toBe(false);
    expect(parseSourceArn(`arn:aws:sqs:us-east-1:000000000000:${'q'.repeat(75)}.fifo`)?.fifo).toBe(true);
  });
});
