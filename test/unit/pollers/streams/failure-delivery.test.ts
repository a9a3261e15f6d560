import { describe, expect, it } from 'vitest';
import { failureDeliveryOf, type DiscardedRecords } from '../../../../pollers/streams/failure-delivery.js';
import type { StreamRecord } from '../../../../pollers/streams/stream-event-builder.js';

function record(sequenceNumber: string, arrivalEpochMs: number): StreamRecord {
  const event = { kinesis: { sequenceNumber } };
  return { event, json: JSON.stringify(event), sequenceNumber, arrivalEpochMs, partitionKey: 'k' };
}

const base: DiscardedRecords = {
  records: [record('4960', Date.UTC(2019, 10, 14, 0, 38, 4, 835)), record('4961', Date.UTC(2019, 10, 14, 0, 38, 5, 580))],
  condition: 'RetryAttemptsExhausted',
  invokeCount: 3,
  lastInvocation: { requestId: 'c9b8fa9f-5a7f-4b5a-8a9b-8c0c3b1e2f10', executedVersion: '$LATEST', functionError: 'Unhandled' },
  fallbackRequestId: 'unused',
  shardId: 'shardId-000000000001',
  streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/mystream',
  functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:myfunction',
  batchInfoKey: 'KinesisBatchInfo',
  destinationArn: 'arn:aws:sqs:us-east-2:123456789012:dlq',
  mappingUuid: 'uuid',
  functionName: 'myfunction',
  source: 'kinesis',
  timestamp: new Date(Date.UTC(2019, 10, 14, 0, 38, 6, 21)),
};

describe('failureDeliveryOf', () => {
  it('builds the record of spec §3.7 for exhausted retries', () => {
    const delivery = failureDeliveryOf(base);
    expect(JSON.stringify(delivery.record)).toBe(
      JSON.stringify({
        requestContext: {
          requestId: 'c9b8fa9f-5a7f-4b5a-8a9b-8c0c3b1e2f10',
          functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:myfunction',
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: '2019-11-14T00:38:06.021Z',
        KinesisBatchInfo: {
          shardId: 'shardId-000000000001',
          startSequenceNumber: '4960',
          endSequenceNumber: '4961',
          approximateArrivalOfFirstRecord: '2019-11-14T00:38:04.835Z',
          approximateArrivalOfLastRecord: '2019-11-14T00:38:05.580Z',
          batchSize: 2,
          streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/mystream',
        },
      }),
    );
    expect(delivery).toMatchObject({ destinationArn: base.destinationArn, eventCount: 2, shardId: 'shardId-000000000001', source: 'kinesis' });
    expect(JSON.parse(delivery.payload)).toEqual({ Records: [{ kinesis: { sequenceNumber: '4960' } }, { kinesis: { sequenceNumber: '4961' } }] });
  });

  it('omits responseContext for RecordAgeExceeded and counts at least one invocation', () => {
    const { lastInvocation: _unused, ...neverInvoked } = base;
    const delivery = failureDeliveryOf({ ...neverInvoked, condition: 'RecordAgeExceeded', invokeCount: 0, fallbackRequestId: 'fresh-id' });
    expect(delivery.record).not.toHaveProperty('responseContext');
    expect(delivery.record.requestContext).toEqual({
      requestId: 'fresh-id',
      functionArn: base.functionArn,
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 1,
    });
  });

  it('keeps functionError null after a partial response', () => {
    const delivery = failureDeliveryOf({ ...base, lastInvocation: { ...base.lastInvocation!, functionError: null } });
    expect(delivery.record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: null });
  });
});
