import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Message } from '@aws-sdk/client-sqs';
import { sqsEventPayload, toSqsRecord } from '../../../../pollers/sqs/sqs-event.js';

const SOURCE = { queueArn: 'arn:aws:sqs:us-east-2:123456789012:my-queue', region: 'us-east-2' };

/** A ReceiveMessage result entry (SDK shape) and the record Lambda builds from it (AWS example event, spec §2.1). */
const RECEIVED: Message = {
  MessageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
  ReceiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
  MD5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
  Body: 'Test message.',
  Attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1545082649183',
    SenderId: 'AIDAIENQZJOLO23YVJ4VO',
    ApproximateFirstReceiveTimestamp: '1545082649185',
  },
  MD5OfMessageAttributes: 'd25a6aea97eb8f585bfa92d314504a92',
  MessageAttributes: { Author: { DataType: 'String', StringValue: 'John Grisham' } },
};

const EXPECTED_RECORD = {
  messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
  receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
  body: 'Test message.',
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1545082649183',
    SenderId: 'AIDAIENQZJOLO23YVJ4VO',
    ApproximateFirstReceiveTimestamp: '1545082649185',
  },
  messageAttributes: { Author: { stringValue: 'John Grisham', stringListValues: [], binaryListValues: [], dataType: 'String' } },
  md5OfMessageAttributes: 'd25a6aea97eb8f585bfa92d314504a92',
  md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-2:123456789012:my-queue',
  awsRegion: 'us-east-2',
};

describe('toSqsRecord', () => {
  it('builds the record of the AWS example event', () => {
    expect(toSqsRecord(RECEIVED, SOURCE)).toStrictEqual(EXPECTED_RECORD);
  });

  it('serialises with exactly the AWS field names and nothing else', () => {
    const json = JSON.parse(JSON.stringify(toSqsRecord(RECEIVED, SOURCE))) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      ['attributes', 'awsRegion', 'body', 'eventSource', 'eventSourceARN', 'md5OfBody', 'md5OfMessageAttributes', 'messageAttributes', 'messageId', 'receiptHandle'].sort(),
    );
  });

  it('keeps a JSON body as the untouched string', () => {
    const body = '{ "b": 1,\n  "a": [1.0, "x"] }';
    expect(toSqsRecord({ ...RECEIVED, Body: body }, SOURCE).body).toBe(body);
  });

  it('has an empty messageAttributes object and a null md5OfMessageAttributes when the message has no attributes', () => {
    const { MessageAttributes: _attributes, MD5OfMessageAttributes: _md5, ...plain } = RECEIVED;
    const record = toSqsRecord(plain, SOURCE);
    expect(record.messageAttributes).toStrictEqual({});
    expect(record.md5OfMessageAttributes).toBeNull();
    expect(JSON.parse(JSON.stringify(record)).md5OfMessageAttributes).toBeNull();
  });

  it('encodes Binary attributes as base64 and keeps custom data types', () => {
    const record = toSqsRecord(
      {
        ...RECEIVED,
        MessageAttributes: {
          Bin: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 250, 255]) },
          Count: { DataType: 'Number.int', StringValue: '42' },
          Tagged: { DataType: 'Binary.gzip', BinaryValue: Buffer.from('hello') },
        },
      },
      SOURCE,
    );
    expect(record.messageAttributes).toStrictEqual({
      Bin: { binaryValue: 'AAEC+v8=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      Count: { stringValue: '42', stringListValues: [], binaryListValues: [], dataType: 'Number.int' },
      Tagged: { binaryValue: 'aGVsbG8=', stringListValues: [], binaryListValues: [], dataType: 'Binary.gzip' },
    });
  });

  it('passes the FIFO attributes through as strings', () => {
    const record = toSqsRecord(
      {
        ...RECEIVED,
        Attributes: { ...RECEIVED.Attributes, SequenceNumber: '18849496460467696128', MessageGroupId: '1', MessageDeduplicationId: '1' },
      },
      SOURCE,
    );
    expect(record.attributes).toStrictEqual({
      ...EXPECTED_RECORD.attributes,
      SequenceNumber: '18849496460467696128',
      MessageGroupId: '1',
      MessageDeduplicationId: '1',
    });
  });

  it('computes md5OfBody when the answer carries none', () => {
    const { MD5OfBody: _md5, ...withoutMd5 } = RECEIVED;
    expect(toSqsRecord(withoutMd5, SOURCE).md5OfBody).toBe(createHash('md5').update('Test message.').digest('hex'));
  });
});

describe('sqsEventPayload', () => {
  it('wraps serialised records in {"Records":[…]} without re-serialising them', () => {
    const a = JSON.stringify(toSqsRecord(RECEIVED, SOURCE));
    const b = JSON.stringify(toSqsRecord({ ...RECEIVED, MessageId: 'second' }, SOURCE));
    const payload = sqsEventPayload([a, b]);
    expect(payload.startsWith('{"Records":[{')).toBe(true);
    expect(JSON.parse(payload)).toStrictEqual({ Records: [EXPECTED_RECORD, { ...EXPECTED_RECORD, messageId: 'second' }] });
    expect(JSON.parse(sqsEventPayload([]))).toStrictEqual({ Records: [] });
  });
});
