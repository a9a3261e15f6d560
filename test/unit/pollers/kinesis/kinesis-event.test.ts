import { describe, expect, it } from 'vitest';
import { KinesisEventBuilder } from '../../../../pollers/kinesis/kinesis-event.js';
import { executionRoleArn } from '../../../../pollers/kinesis/kinesis-poller.js';

/** The Kinesis record of the Lambda Developer Guide's example event (with-kinesis). */
const AWS_EXAMPLE_RECORD = {
  kinesis: {
    kinesisSchemaVersion: '1.0',
    partitionKey: '1',
    sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
    data: 'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==',
    approximateArrivalTimestamp: 1545084650.987,
  },
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventID: 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898',
  eventName: 'aws:kinesis:record',
  invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
  awsRegion: 'us-east-2',
  eventSourceARN: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
};

const builder = new KinesisEventBuilder({
  awsRegion: 'us-east-2',
  eventSourceArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
  invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
});

describe('KinesisEventBuilder', () => {
  it('builds the AWS example record, key for key and in AWS order', () => {
    const built = builder.build(
      {
        SequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        PartitionKey: '1',
        Data: Buffer.from('Hello, this is a test.'),
        ApproximateArrivalTimestamp: new Date(1545084650987),
      },
      'shardId-000000000006',
    );
    expect(built.json).toBe(JSON.stringify(AWS_EXAMPLE_RECORD));
    expect(built.event).toStrictEqual(AWS_EXAMPLE_RECORD);
    expect(built).toMatchObject({
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      arrivalEpochMs: 1545084650987,
      partitionKey: '1',
    });
  });

  it('passes bytes through untouched as base64, whatever they are', () => {
    const bytes = Uint8Array.from([0, 0xff, 0xc3, 0x28, 0x0a]);
    const view = new Uint8Array(Buffer.concat([Buffer.from([9, 9]), Buffer.from(bytes), Buffer.from([7])])).subarray(2, 2 + bytes.length);
    const built = builder.build({ SequenceNumber: '1', PartitionKey: 'k', Data: view, ApproximateArrivalTimestamp: new Date(0) }, 'shardId-000000000000');
    expect(Buffer.from((built.event.kinesis as { data: string }).data, 'base64')).toEqual(Buffer.from(bytes));
  });
});

describe('executionRoleArn', () => {
  it('names a role of the function account', () => {
    expect(executionRoleArn('arn:aws:lambda:us-east-1:123456789012:function:f', 'f')).toBe('arn:aws:iam::123456789012:role/f-role');
  });
});
