import { describe, expect, it } from 'vitest';
import { arrivalTimeString, buildStreamFailureRecord, type StreamFailureRecordInput } from '../../../src/destinations/stream-failure-record.js';

// The Kinesis example of the Lambda Developer Guide (kinesis-on-failure-destination), spec §3.7.
const KINESIS_INPUT: StreamFailureRecordInput = {
  requestId: 'c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5',
  functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:myfunction',
  condition: 'RetryAttemptsExhausted',
  approximateInvokeCount: 1,
  response: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  batchInfoKey: 'KinesisBatchInfo',
  batchInfo: {
    shardId: 'shardId-000000000001',
    startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
    endSequenceNumber: '49601189658422359378836298522902373528957594348623495186',
    approximateArrivalOfFirstRecord: '2019-11-14T00:38:04.835Z',
    approximateArrivalOfLastRecord: '2019-11-14T00:38:05.580Z',
    batchSize: 500,
    streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/mystream',
  },
  timestamp: new Date('2019-11-14T00:38:06.021Z'),
};

describe('buildStreamFailureRecord', () => {
  it('builds the Kinesis record of the AWS example, keys in AWS order', () => {
    const record = buildStreamFailureRecord(KINESIS_INPUT);

    expect(JSON.stringify(record)).toBe(
      JSON.stringify({
        requestContext: {
          requestId: 'c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5',
          functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:myfunction',
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 1,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: '2019-11-14T00:38:06.021Z',
        KinesisBatchInfo: {
          shardId: 'shardId-000000000001',
          startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
          endSequenceNumber: '49601189658422359378836298522902373528957594348623495186',
          approximateArrivalOfFirstRecord: '2019-11-14T00:38:04.835Z',
          approximateArrivalOfLastRecord: '2019-11-14T00:38:05.580Z',
          batchSize: 500,
          streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/mystream',
        },
      }),
    );
  });

  it('keeps functionError as null for partial-batch and bad-response failures', () => {
    const record = buildStreamFailureRecord({
      ...KINESIS_INPUT,
      response: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
    });

    expect(record.responseContext).toStrictEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: null });
    expect(JSON.stringify(record)).toContain('"functionError":null');
  });

  it('omits responseContext for RecordAgeExceeded without a response', () => {
    const { response: _omitted, ...withoutResponse } = KINESIS_INPUT;
    const record = buildStreamFailureRecord({ ...withoutResponse, condition: 'RecordAgeExceeded', approximateInvokeCount: 1 });

    expect(Object.keys(record)).toStrictEqual(['requestContext', 'version', 'timestamp', 'KinesisBatchInfo']);
    expect(record.requestContext).toMatchObject({ condition: 'RecordAgeExceeded' });
    expect('responseContext' in record).toBe(false);
  });

  it('builds the DynamoDB Streams record under DDBStreamBatchInfo', () => {
    const record = buildStreamFailureRecord({
      ...KINESIS_INPUT,
      batchInfoKey: 'DDBStreamBatchInfo',
      batchInfo: {
        shardId: 'shardId-00000001573689847184-864758bb',
        startSequenceNumber: '800000000003126276362',
        endSequenceNumber: '800000000003126276362',
        approximateArrivalOfFirstRecord: '2019-11-14T00:13:19Z',
        approximateArrivalOfLastRecord: '2019-11-14T00:13:19Z',
        batchSize: 1,
        streamArn: 'arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388',
      },
    });

    expect(Object.keys(record)).toStrictEqual(['requestContext', 'responseContext', 'version', 'timestamp', 'DDBStreamBatchInfo']);
    expect(Object.keys(record.DDBStreamBatchInfo as object)).toStrictEqual([
      'shardId',
      'startSequenceNumber',
      'endSequenceNumber',
      'approximateArrivalOfFirstRecord',
      'approximateArrivalOfLastRecord',
      'batchSize',
      'streamArn',
    ]);
    expect(record).not.toHaveProperty('KinesisBatchInfo');
  });

  it('prints the timestamp as ISO with milliseconds even on a whole second', () => {
    const record = buildStreamFailureRecord({ ...KINESIS_INPUT, timestamp: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) });

    expect(record.timestamp).toBe('2024-01-02T03:04:05.000Z');
  });
});

describe('arrivalTimeString', () => {
  const arrival = Date.parse('2019-11-14T00:38:04.835Z');

  it('prints Kinesis arrival times with milliseconds', () => {
    expect(arrivalTimeString(arrival, 'KinesisBatchInfo')).toBe('2019-11-14T00:38:04.835Z');
  });

  it('prints DynamoDB arrival times without milliseconds', () => {
    expect(arrivalTimeString(arrival, 'DDBStreamBatchInfo')).toBe('2019-11-14T00:38:04Z');
    expect(arrivalTimeString(Date.parse('2019-11-14T00:13:19Z'), 'DDBStreamBatchInfo')).toBe('2019-11-14T00:13:19Z');
  });
});
