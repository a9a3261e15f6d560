import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed, recordsOf } from './sqs-test-bed.js';

const servers = inject('servers');
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

describe('SQS poller: the event the function receives', () => {
  let bed: SqsTestBed;
  let target: RecordingTarget;

  beforeAll(async () => {
    bed = new SqsTestBed(servers);
    target = await startRecordingTarget();
  });

  afterAll(async () => {
    await bed?.close();
    await target?.close();
  });

  it('builds every record exactly as AWS does, body untouched, attributes of every type', async () => {
    const queue = await bed.createQueue('shape');
    const jsonBody = '{ "order": 17,\n  "items": [1.50, "x"] }';
    const [withAttributes, plain] = await bed.send(queue, [
      {
        body: jsonBody,
        attributes: {
          Author: { DataType: 'String', StringValue: 'John Grisham' },
          Count: { DataType: 'Number.int', StringValue: '42' },
          Raw: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 250, 255]) },
        },
      },
      'plain text body',
    ]);
    const started = await bed.startPoller({ queue, target: { type: 'url', url: target.url } });
    const records = await waitFor(() => {
      const all = recordsOf(target.events);
      return all.length >= 2 ? all : undefined;
    });
    expect(records).toHaveLength(2);
    const first = records.find((record) => record.messageId === withAttributes)!;
    const second = records.find((record) => record.messageId === plain)!;

    const attributes = {
      ApproximateReceiveCount: '1',
      SentTimestamp: expect.stringMatching(/^\d{13}$/),
      SenderId: expect.any(String),
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
    };
    expect(first).toStrictEqual({
      messageId: withAttributes,
      receiptHandle: expect.any(String),
      body: jsonBody,
      attributes,
      messageAttributes: {
        Author: { stringValue: 'John Grisham', stringListValues: [], binaryListValues: [], dataType: 'String' },
        Count: { stringValue: '42', stringListValues: [], binaryListValues: [], dataType: 'Number.int' },
        Raw: { binaryValue: 'AAEC+v8=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      md5OfBody: md5(jsonBody),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
    expect(second).toStrictEqual({
      messageId: plain,
      receiptHandle: expect.any(String),
      body: 'plain text body',
      attributes,
      messageAttributes: {},
      md5OfMessageAttributes: null,
      md5OfBody: md5('plain text body'),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
    // The raw request is {"Records":[…]} and nothing else.
    for (const event of target.events) expect(Object.keys(event as object)).toEqual(['Records']);
    await bed.waitEmpty(queue);
    await started.poller.stop();
  });

  it('adds the FIFO attributes on a FIFO queue', async () => {
    const queue = await bed.createQueue('shape', { fifo: true });
    const before = target.events.length;
    const [id] = await bed.send(queue, [{ body: 'fifo body', groupId: 'group-1' }]);
    const started = await bed.startPoller({ queue, target: { type: 'url', url: target.url } });
    const record = await waitFor(() => recordsOf(target.events.slice(before)).find((r) => r.messageId === id));
    expect(record).toStrictEqual({
      messageId: id,
      receiptHandle: expect.any(String),
      body: 'fifo body',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
        SequenceNumber: expect.stringMatching(/^\d+$/),
        MessageGroupId: 'group-1',
        MessageDeduplicationId: expect.any(String),
      },
      messageAttributes: {},
      md5OfMessageAttributes: null,
      md5OfBody: md5('fifo body'),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
    await bed.waitEmpty(queue);
    await started.poller.stop();
  });
});
