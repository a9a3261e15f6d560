import { describe, expect, it } from 'vitest';
import { queuedDeliveryOf, streamFailureDelivery } from '../../../src/destinations/stream-delivery.js';
import type { FailureDelivery } from '../../../src/destinations/on-failure-destination.js';

const record = { requestContext: { condition: 'RetryAttemptsExhausted' }, version: '1.0', timestamp: '2019-11-14T00:38:06.021Z' };
const failure = (destinationArn: string): FailureDelivery => ({
  destinationArn,
  record,
  payload: '{"Records":[]}',
  eventCount: 2,
  mappingUuid: 'uuid-1',
  functionName: 'fn',
  source: 'kinesis',
  shardId: 'shardId-000000000001',
});

describe('streamFailureDelivery', () => {
  it('sends the record JSON to SQS and SNS, without the payload', () => {
    const delivery = streamFailureDelivery(failure('arn:aws:sqs:us-east-1:000000000000:q'), 'd-1');
    expect(delivery).toStrictEqual({
      kind: 'stream-failure',
      destinationArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      deliveryId: 'd-1',
      message: JSON.stringify(record),
      eventCount: 2,
      labels: { mapping: 'uuid-1', function: 'fn', source: 'kinesis' },
      shardId: 'shardId-000000000001',
    });
  });

  it('writes S3 objects with the payload as a JSON string under the mapping and shard', () => {
    const delivery = streamFailureDelivery(failure('arn:aws:s3:::bucket'), 'd-2');
    expect(delivery.s3Object).toStrictEqual({
      key: 'aws/lambda/uuid-1/shardId-000000000001/2019/11/14/2019-11-14T00.38.06-d-2',
      body: JSON.stringify({ ...record, payload: '{"Records":[]}' }),
    });
  });

  it('converts a job stored in the earlier form (the failure itself plus its delivery id)', () => {
    const stored = { ...failure('arn:aws:sns:us-east-1:000000000000:t'), deliveryId: 'd-3' };
    expect(queuedDeliveryOf(stored)).toStrictEqual(streamFailureDelivery(failure('arn:aws:sns:us-east-1:000000000000:t'), 'd-3'));
  });
});
