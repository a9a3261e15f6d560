import type { _Record as DynamodbStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { DynamodbEventBuilder } from '../../../../pollers/dynamodb-streams/dynamodb-event.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-west-2:111122223333:table/TestTable/stream/2015-05-11T21:21:33.291';
const builder = new DynamodbEventBuilder({ awsRegion: 'us-west-2', eventSourceArn: STREAM_ARN });

/** The records of the Lambda Developer Guide's example event (with-ddb), keys in the order AWS sends them. */
const AWS_EXAMPLE_EVENTS = [
  {
    eventID: '1',
    eventName: 'INSERT',
    eventVersion: '1.0',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-west-2',
    dynamodb: {
      ApproximateCreationDateTime: 1428537600,
      Keys: { Id: { N: '101' } },
      NewImage: { Message: { S: 'New item!' }, Id: { N: '101' } },
      SequenceNumber: '111',
      SizeBytes: 26,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: STREAM_ARN,
  },
  {
    eventID: '2',
    eventName: 'MODIFY',
    eventVersion: '1.0',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-west-2',
    dynamodb: {
      ApproximateCreationDateTime: 1428537600,
      Keys: { Id: { N: '101' } },
      NewImage: { Message: { S: 'This item has changed' }, Id: { N: '101' } },
      OldImage: { Message: { S: 'New item!' }, Id: { N: '101' } },
      SequenceNumber: '222',
      SizeBytes: 59,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: STREAM_ARN,
  },
  {
    eventID: '3',
    eventName: 'REMOVE',
    eventVersion: '1.0',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-west-2',
    dynamodb: {
      ApproximateCreationDateTime: 1428537600,
      Keys: { Id: { N: '101' } },
      OldImage: { Message: { S: 'This item has changed' }, Id: { N: '101' } },
      SequenceNumber: '333',
      SizeBytes: 38,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: STREAM_ARN,
  },
];

/** The same changes as the SDK returns them from GetRecords (Date, attribute unions, capitalised identity). */
function sdkRecord(event: (typeof AWS_EXAMPLE_EVENTS)[number], createdMs = 1428537600_000): DynamodbStreamRecord {
  const { dynamodb } = event;
  return {
    eventID: event.eventID,
    eventName: event.eventName as 'INSERT' | 'MODIFY' | 'REMOVE',
    eventVersion: event.eventVersion,
    eventSource: event.eventSource,
    awsRegion: event.awsRegion,
    dynamodb: {
      ApproximateCreationDateTime: new Date(createdMs),
      Keys: dynamodb.Keys,
      ...('NewImage' in dynamodb ? { NewImage: dynamodb.NewImage } : {}),
      ...('OldImage' in dynamodb ? { OldImage: dynamodb.OldImage } : {}),
      SequenceNumber: dynamodb.SequenceNumber,
      SizeBytes: dynamodb.SizeBytes,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('DynamodbEventBuilder', () => {
  it('builds the AWS example INSERT, MODIFY and REMOVE records key for key, in AWS order', () => {
    for (const expected of AWS_EXAMPLE_EVENTS) {
      const built = builder.build(sdkRecord(expected), 'shardId-00000001428537600000-abcdef01');
      expect(built.event).toStrictEqual(expected);
      expect(built.json).toBe(JSON.stringify(expected));
      expect(built).toMatchObject({
        sequenceNumber: expected.dynamodb.SequenceNumber,
        arrivalEpochMs: 1428537600_000,
        partitionKey: '{"Id":{"N":"101"}}',
      });
    }
    expect(builder.batchInfoKey).toBe('DDBStreamBatchInfo');
    expect(builder.source).toBe('dynamodb');
  });

  it('gives ApproximateCreationDateTime in whole epoch seconds and keeps the milliseconds for record age', () => {
    const built = builder.build(sdkRecord(AWS_EXAMPLE_EVENTS[0]!, 1_700_000_123_987), 'shardId-1');
    expect((built.event.dynamodb as { ApproximateCreationDateTime: number }).ApproximateCreationDateTime).toBe(1_700_000_123);
    expect(built.arrivalEpochMs).toBe(1_700_000_123_987);
  });

  it('encodes binary attributes as base64, also inside sets, lists and maps', () => {
    const bytes = Uint8Array.from([0, 0xff, 0xc3, 0x28, 0x0a]);
    // A view into a larger buffer, as the SDK may hand out.
    const view = new Uint8Array(Buffer.concat([Buffer.from([9, 9]), Buffer.from(bytes), Buffer.from([7])])).subarray(2, 2 + bytes.length);
    const b64 = Buffer.from(bytes).toString('base64');
    const record: DynamodbStreamRecord = {
      eventID: 'c4ca4238a0b923820dcc509a6f75849b',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-west-2',
      dynamodb: {
        ApproximateCreationDateTime: new Date(1428537600_000),
        Keys: { pk: { B: view } },
        NewImage: {
          pk: { B: view },
          set: { BS: [view, Uint8Array.from([1])] },
          list: { L: [{ B: view }, { N: '1.50' }, { NULL: true }, { M: { deep: { BS: [view] } } }] },
          map: { M: { bin: { B: view }, flag: { BOOL: false }, names: { SS: ['a', 'b'] }, nums: { NS: ['1', '02'] } } },
        },
        SequenceNumber: '000000000000000000001',
        SizeBytes: 80,
        StreamViewType: 'NEW_IMAGE',
      },
    };
    const built = builder.build(record, 'shardId-1');
    expect((built.event.dynamodb as Record<string, unknown>).Keys).toStrictEqual({ pk: { B: b64 } });
    expect((built.event.dynamodb as Record<string, unknown>).NewImage).toStrictEqual({
      pk: { B: b64 },
      set: { BS: [b64, 'AQ=='] },
      list: { L: [{ B: b64 }, { N: '1.50' }, { NULL: true }, { M: { deep: { BS: [b64] } } }] },
      map: { M: { bin: { B: b64 }, flag: { BOOL: false }, names: { SS: ['a', 'b'] }, nums: { NS: ['1', '02'] } } },
    });
    expect(built.partitionKey).toBe(JSON.stringify({ pk: { B: b64 } }));
    expect(built.sequenceNumber).toBe('000000000000000000001');
    expect(JSON.parse(built.json)).toStrictEqual(built.event);
  });

  it('reports a TTL delete with the service userIdentity, after eventSourceARN', () => {
    const ttlDelete: DynamodbStreamRecord = {
      ...sdkRecord(AWS_EXAMPLE_EVENTS[2]!),
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
    };
    const built = builder.build(ttlDelete, 'shardId-1');
    expect(built.event).toStrictEqual({ ...AWS_EXAMPLE_EVENTS[2], userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } });
    expect(Object.keys(built.event).at(-1)).toBe('userIdentity');
  });

  it('fills what a record leaves out from the stream: region, eventSource, eventVersion 1.1; no absent images', () => {
    const built = builder.build(
      { eventID: 'e', eventName: 'REMOVE', dynamodb: { ApproximateCreationDateTime: new Date(0), Keys: { k: { S: 'x' } }, SequenceNumber: '5', SizeBytes: 3, StreamViewType: 'KEYS_ONLY' } },
      'shardId-1',
    );
    expect(built.event).toStrictEqual({
      eventID: 'e',
      eventName: 'REMOVE',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-west-2',
      dynamodb: { ApproximateCreationDateTime: 0, Keys: { k: { S: 'x' } }, SequenceNumber: '5', SizeBytes: 3, StreamViewType: 'KEYS_ONLY' },
      eventSourceARN: STREAM_ARN,
    });
  });
});
