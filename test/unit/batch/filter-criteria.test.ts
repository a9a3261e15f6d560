import { afterEach, describe, expect, it, vi } from 'vitest';
import { FilterCriteriaMatcher } from '../../../src/batch/filter-criteria.js';
import type { SourceKind } from '../../../src/mappings/event-source-mapping.js';

// Golden records, shaped like the examples of the Lambda Developer Guide (spec §2).
function sqsRecord(body: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
    receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1545082649183',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1545082649185',
    },
    messageAttributes: {
      Author: { stringValue: 'John Grisham', stringListValues: [], binaryListValues: [], dataType: 'String' },
    },
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-2:123456789012:my-queue',
    awsRegion: 'us-east-2',
    ...overrides,
  };
}

function kinesisRecord(data: string, partitionKey = '1'): Record<string, unknown> {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      data: Buffer.from(data, 'utf8').toString('base64'),
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
}

function dynamodbRecord(eventName: string, newImage?: Record<string, unknown>): Record<string, unknown> {
  return {
    eventID: 'c4ca4238a0b923820dcc509a6f75849b',
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-west-2',
    dynamodb: {
      ApproximateCreationDateTime: 1428537600,
      Keys: { Id: { N: '101' } },
      ...(newImage === undefined ? {} : { NewImage: newImage }),
      SequenceNumber: '111',
      SizeBytes: 26,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-west-2:111122223333:table/T/stream/2015-05-11T21:21:33.291',
  };
}

function matcher(source: SourceKind, ...patterns: unknown[]): FilterCriteriaMatcher {
  return FilterCriteriaMatcher.compile({ Filters: patterns.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) }, source);
}

/** Matches a JSON SQS body against one pattern on `body`. */
function bodyMatches(bodyPattern: unknown, body: unknown): boolean {
  return matcher('sqs', { body: bodyPattern }).matches(sqsRecord(typeof body === 'string' ? body : JSON.stringify(body)));
}

describe('FilterCriteriaMatcher: structure', () => {
  it('is empty without criteria, with no filters, and then matches every record', () => {
    for (const criteria of [undefined, { Filters: [] }]) {
      const empty = FilterCriteriaMatcher.compile(criteria, 'sqs');
      expect(empty.isEmpty).toBe(true);
      expect(empty.matches(sqsRecord('anything'))).toBe(true);
    }
    expect(matcher('sqs', { eventSource: ['aws:sqs'] }).isEmpty).toBe(false);
  });

  it('ORs filters: a record matching any one filter matches', () => {
    const filters = matcher('sqs', { body: { a: [1] } }, { body: { b: [2] } });
    expect(filters.matches(sqsRecord('{"a":1}'))).toBe(true);
    expect(filters.matches(sqsRecord('{"b":2}'))).toBe(true);
    expect(filters.matches(sqsRecord('{"a":2,"b":1}'))).toBe(false);
  });

  it('ANDs the keys of one pattern', () => {
    const pattern = { Location: ['New York'], Day: ['Monday'] };
    expect(bodyMatches(pattern, { Location: 'New York', Day: 'Monday' })).toBe(true);
    expect(bodyMatches(pattern, { Location: 'New York', Day: 'Tuesday' })).toBe(false);
  });

  it('ORs the values listed for one key', () => {
    const pattern = { PaymentType: ['Credit', 'Debit'] };
    expect(bodyMatches(pattern, { PaymentType: 'Debit' })).toBe(true);
    expect(bodyMatches(pattern, { PaymentType: 'Cash' })).toBe(false);
  });

  it('descends nested keys into nested objects (multi-level DynamoDB example)', () => {
    const filters = matcher('dynamodb', { dynamodb: { Keys: { Id: { N: ['101'] } } } });
    expect(filters.matches(dynamodbRecord('INSERT'))).toBe(true);
    expect(matcher('dynamodb', { dynamodb: { Keys: { Id: { N: ['102'] } } } }).matches(dynamodbRecord('INSERT'))).toBe(false);
  });

  it('requires every field a pattern names to be present', () => {
    expect(bodyMatches({ a: ['x'], missing: ['x'] }, { a: 'x' })).toBe(false);
    expect(bodyMatches({ deep: { missing: ['x'] } }, { a: 'x' })).toBe(false);
  });

  it('never matches a key that only exists on Object.prototype', () => {
    expect(bodyMatches({ toString: [{ exists: true }] }, { a: 1 })).toBe(false);
    expect(bodyMatches({ constructor: [{ exists: false }] }, { a: 1 })).toBe(true);
  });

  it('ANDs a $or with the other keys and needs one of its alternatives', () => {
    const pattern = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] };
    expect(bodyMatches(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' })).toBe(true);
    expect(bodyMatches(pattern, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
    expect(bodyMatches(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/ES' })).toBe(false);
    expect(bodyMatches(pattern, { source: 'aws.s3', namespace: 'AWS/EC2' })).toBe(false);
  });

  it('evaluates $or at the top level across the data key and metadata', () => {
    const filters = matcher('sqs', { $or: [{ body: { kind: ['a'] } }, { attributes: { ApproximateReceiveCount: ['3'] } }] });
    expect(filters.matches(sqsRecord('{"kind":"a"}'))).toBe(true);
    expect(filters.matches(sqsRecord('{"kind":"b"}'))).toBe(false);
    const third = sqsRecord('{"kind":"b"}', { attributes: { ApproximateReceiveCount: '3' } });
    expect(filters.matches(third)).toBe(true);
  });
});

describe('FilterCriteriaMatcher: operators', () => {
  it('[null] matches a field present with value null, not an absent or empty one', () => {
    expect(bodyMatches({ UserID: [null] }, { UserID: null })).toBe(true);
    expect(bodyMatches({ UserID: [null] }, {})).toBe(false);
    expect(bodyMatches({ UserID: [null] }, { UserID: '' })).toBe(false);
  });

  it('[""] matches the empty string, not null', () => {
    expect(bodyMatches({ LastName: [''] }, { LastName: '' })).toBe(true);
    expect(bodyMatches({ LastName: [''] }, { LastName: null })).toBe(false);
  });

  it('matches strings exactly, without case folding or normalisation', () => {
    expect(bodyMatches({ Name: ['Alice'] }, { Name: 'Alice' })).toBe(true);
    expect(bodyMatches({ Name: ['Alice'] }, { Name: 'alice' })).toBe(false);
    expect(bodyMatches({ Name: ['Alice'] }, { Name: 'Alice ' })).toBe(false);
    expect(bodyMatches({ Name: ['5'] }, { Name: 5 })).toBe(false);
  });

  it('matches an exact number by its string form: 300, 300.0 and 3.0e2 differ', () => {
    expect(bodyMatches({ n: [300] }, '{"n":300}')).toBe(true);
    expect(bodyMatches({ n: [300] }, '{"n":300.0}')).toBe(false);
    expect(bodyMatches({ n: [300] }, '{"n":3.0e2}')).toBe(false);
    expect(bodyMatches({ n: [300] }, '{"n":"300"}')).toBe(false);
    expect(matcher('sqs', { body: { n: [3.0e2] } }).matches(sqsRecord('{"n":300}'))).toBe(true); // JSON.stringify writes 300
    const raw = FilterCriteriaMatcher.compile({ Filters: [{ Pattern: '{"body":{"n":[3.0e2]}}' }] }, 'sqs');
    expect(raw.matches(sqsRecord('{"n":3.0e2}'))).toBe(true);
    expect(raw.matches(sqsRecord('{"n":300}'))).toBe(false);
    const accountId = FilterCriteriaMatcher.compile({ Filters: [{ Pattern: '{"body":{"id":[123456789012345678901]}}' }] }, 'sqs');
    expect(accountId.matches(sqsRecord('{"id":123456789012345678901}'))).toBe(true);
    expect(accountId.matches(sqsRecord('{"id":123456789012345678902}'))).toBe(false);
  });

  it('matches exact numbers of record metadata (numbers the function receives as JSON numbers)', () => {
    expect(matcher('dynamodb', { dynamodb: { SizeBytes: [26] } }).matches(dynamodbRecord('INSERT'))).toBe(true);
    expect(matcher('dynamodb', { dynamodb: { SizeBytes: [27] } }).matches(dynamodbRecord('INSERT'))).toBe(false);
  });

  it('matches booleans exactly', () => {
    expect(bodyMatches({ ok: [true] }, { ok: true })).toBe(true);
    expect(bodyMatches({ ok: [true] }, { ok: 'true' })).toBe(false);
    expect(bodyMatches({ ok: [false] }, { ok: true })).toBe(false);
  });

  it('equals-ignore-case compares strings without case', () => {
    expect(bodyMatches({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALIce' })).toBe(true);
    expect(bodyMatches({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'alicia' })).toBe(false);
  });

  it('prefix matches the start of strings only', () => {
    expect(bodyMatches({ Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' })).toBe(true);
    expect(bodyMatches({ Region: [{ prefix: 'us-' }] }, { Region: 'eu-west-1' })).toBe(false);
    expect(bodyMatches({ Code: [{ prefix: '12' }] }, { Code: 123 })).toBe(false);
  });

  it('suffix matches the end of strings only', () => {
    expect(bodyMatches({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.png' })).toBe(true);
    expect(bodyMatches({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.PNG' })).toBe(false);
  });

  it('anything-but excludes listed strings, a single value, or numbers, and needs the field', () => {
    expect(bodyMatches({ Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' })).toBe(true);
    expect(bodyMatches({ Weather: [{ 'anything-but': ['Raining', 'Snowing'] }] }, { Weather: 'Snowing' })).toBe(false);
    expect(bodyMatches({ Weather: [{ 'anything-but': 'Raining' }] }, { Weather: 'Raining' })).toBe(false);
    expect(bodyMatches({ Weather: [{ 'anything-but': 'Raining' }] }, {})).toBe(false);
    expect(bodyMatches({ Price: [{ 'anything-but': [100, 200] }] }, '{"Price":100.0}')).toBe(false);
    expect(bodyMatches({ Price: [{ 'anything-but': 100 }] }, { Price: 150 })).toBe(true);
  });

  it('numeric compares JSON numbers with =, <, <=, >, >= and two-sided ranges', () => {
    expect(bodyMatches({ Price: [{ numeric: ['=', 100] }] }, '{"Price":100.0}')).toBe(true);
    expect(bodyMatches({ Price: [{ numeric: ['<', 100] }] }, { Price: 100 })).toBe(false);
    expect(bodyMatches({ Price: [{ numeric: ['<=', 100] }] }, { Price: 100 })).toBe(true);
    expect(bodyMatches({ Price: [{ numeric: ['>', 100] }] }, { Price: 100.5 })).toBe(true);
    expect(bodyMatches({ Price: [{ numeric: ['>=', 100] }] }, { Price: 99 })).toBe(false);
    const range = { Price: [{ numeric: ['>', 10, '<=', 20] }] };
    expect([10, 10.01, 20, 20.01].map((Price) => bodyMatches(range, { Price }))).toEqual([false, true, true, false]);
  });

  it('numeric matches only JSON numbers: DynamoDB N strings never, ApproximateCreationDateTime does', () => {
    const record = dynamodbRecord('INSERT', { Amount: { N: '101' } });
    expect(matcher('dynamodb', { dynamodb: { NewImage: { Amount: { N: [{ numeric: ['>', 100] }] } } } }).matches(record)).toBe(false);
    expect(matcher('dynamodb', { dynamodb: { ApproximateCreationDateTime: [{ numeric: ['>', 0] }] } }).matches(record)).toBe(true);
    expect(bodyMatches({ Price: [{ numeric: ['>', 0] }] }, { Price: '5' })).toBe(false);
  });

  it('exists: true needs a present leaf (null included); exists: false needs it absent', () => {
    expect(bodyMatches({ ProductName: [{ exists: true }] }, { ProductName: 'x' })).toBe(true);
    expect(bodyMatches({ ProductName: [{ exists: true }] }, { ProductName: null })).toBe(true);
    expect(bodyMatches({ ProductName: [{ exists: true }] }, {})).toBe(false);
    expect(bodyMatches({ ProductName: [{ exists: false }] }, {})).toBe(true);
    expect(bodyMatches({ ProductName: [{ exists: false }] }, { ProductName: 'x' })).toBe(false);
    expect(bodyMatches({ detail: { count: [{ exists: false }] } }, { other: 1 })).toBe(true);
  });

  it('exists works on leaves only: a map attribute is not a leaf', () => {
    const record = dynamodbRecord('INSERT', { Organizations: { L: [{ S: 'Sales' }, { S: 'Support' }] } });
    expect(matcher('dynamodb', { dynamodb: { NewImage: { Organizations: [{ exists: true }] } } }).matches(record)).toBe(false);
    expect(matcher('dynamodb', { dynamodb: { NewImage: { Organizations: { L: { S: [{ exists: true }] } } } } }).matches(record)).toBe(true);
  });
});

describe('FilterCriteriaMatcher: arrays in the event', () => {
  it('matches an array field when any element matches', () => {
    expect(bodyMatches({ tire_pressure: [{ numeric: ['<', 32] }] }, { tire_pressure: [41, 40, 31, 41] })).toBe(true);
    expect(bodyMatches({ tire_pressure: [{ numeric: ['<', 32] }] }, { tire_pressure: [41, 40, 33, 41] })).toBe(false);
    expect(bodyMatches({ tags: ['b'] }, { tags: [['a'], ['b']] })).toBe(true);
  });

  it('matches a nested pattern within one element of an array of objects', () => {
    const employees = { employees: [{ firstName: 'John', lastName: 'Doe' }, { firstName: 'Anna', lastName: 'Smith' }] };
    expect(bodyMatches({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    expect(bodyMatches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    expect(bodyMatches({ employees: { firstName: ['Anna'], lastName: ['Doe'] } }, employees)).toBe(false);
  });

  it('treats an empty array as holding no value', () => {
    expect(bodyMatches({ tags: [{ exists: true }] }, { tags: [] })).toBe(false);
    expect(bodyMatches({ tags: [{ exists: false }] }, { tags: [] })).toBe(true);
    expect(bodyMatches({ tags: [{ 'anything-but': 'x' }] }, { tags: [] })).toBe(false);
    expect(bodyMatches({ items: { id: [{ exists: false }] } }, { items: [] })).toBe(true);
  });
});

describe('FilterCriteriaMatcher: SQS body and metadata', () => {
  it('filters a JSON body with a JSON pattern', () => {
    expect(bodyMatches({ RequestCode: ['AAAA'] }, { RecordNumber: '0001', RequestCode: 'AAAA' })).toBe(true);
    expect(bodyMatches({ RequestCode: ['AAAA'] }, { RecordNumber: '0001', RequestCode: 'BBBB' })).toBe(false);
  });

  it('filters a plain-string body with a plain pattern', () => {
    expect(bodyMatches(['hello world'], 'hello world')).toBe(true);
    expect(bodyMatches([{ prefix: 'hello' }], 'hello world')).toBe(true);
    expect(bodyMatches(['hello'], 'hello world')).toBe(false);
  });

  it('drops a plain body against a JSON pattern', () => {
    expect(bodyMatches({ a: [{ exists: false }] }, 'not json')).toBe(false);
    expect(bodyMatches({ a: ['x'] }, '{"a":"x"')).toBe(false);
  });

  it('drops a JSON body against a plain pattern', () => {
    expect(bodyMatches(['{"a":"x"}'], '{"a":"x"}')).toBe(false);
    expect(bodyMatches([{ prefix: '{' }], '{"a":"x"}')).toBe(false);
    expect(bodyMatches([{ prefix: '[' }], '[1,2]')).toBe(false);
  });

  it('reads a body that is a bare JSON scalar as a plain string', () => {
    expect(bodyMatches(['42'], '42')).toBe(true);
    expect(bodyMatches({ a: [{ exists: false }] }, '42')).toBe(false);
  });

  it('skips the format check when the pattern has no body key', () => {
    const filters = matcher('sqs', { eventSource: ['aws:sqs'] });
    expect(filters.matches(sqsRecord('plain'))).toBe(true);
    expect(filters.matches(sqsRecord('{"a":1}'))).toBe(true);
  });

  it('filters on attributes and messageAttributes of the record', () => {
    const record = sqsRecord('x');
    expect(matcher('sqs', { attributes: { SenderId: ['AIDAIENQZJOLO23YVJ4VO'] } }).matches(record)).toBe(true);
    expect(matcher('sqs', { messageAttributes: { Author: { stringValue: ['John Grisham'] } } }).matches(record)).toBe(true);
    expect(matcher('sqs', { messageAttributes: { Author: { stringValue: ['Anon'] } } }).matches(record)).toBe(false);
  });

  it('parses the body at most once per record, whatever the number of filters', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const filters = matcher('sqs', { body: { a: ['1'] } }, { body: { b: ['2'] } }, { body: { c: ['3'] } });
    parse.mockClear();
    expect(filters.matches(sqsRecord('{"c":"3"}'))).toBe(true);
    expect(parse).toHaveBeenCalledTimes(1);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FilterCriteriaMatcher: Kinesis data', () => {
  it('base64-decodes and parses data, and leaves the record untouched', () => {
    const record = kinesisRecord('{"record":12345,"order":{"type":"buy","stock":"ANYCO","quantity":1000}}');
    const before = structuredClone(record);
    expect(matcher('kinesis', { data: { order: { type: ['buy'] } } }).matches(record)).toBe(true);
    expect(matcher('kinesis', { data: { order: { type: ['sell'] } } }).matches(record)).toBe(false);
    expect(record).toEqual(before);
  });

  it('drops data that is not JSON against a data pattern', () => {
    expect(matcher('kinesis', { data: { a: [{ exists: false }] } }).matches(kinesisRecord('Hello, this is a test.'))).toBe(false);
  });

  it('filters metadata: partitionKey at the top level as in AWS examples, and record fields', () => {
    const record = kinesisRecord('not json', 'device-7');
    expect(matcher('kinesis', { partitionKey: ['device-7'] }).matches(record)).toBe(true);
    expect(matcher('kinesis', { kinesis: { partitionKey: ['device-7'] } }).matches(record)).toBe(true);
    expect(matcher('kinesis', { partitionKey: ['device-8'] }).matches(record)).toBe(false);
    expect(matcher('kinesis', { eventName: ['aws:kinesis:record'] }).matches(record)).toBe(true);
    expect(matcher('kinesis', { partitionKey: ['device-7'], data: { a: [1] } }).matches(kinesisRecord('{"a":1}', 'device-7'))).toBe(true);
  });

  it('compares numbers of data by string form too', () => {
    expect(matcher('kinesis', { data: { Temperature: [46] } }).matches(kinesisRecord('{"Temperature":46.0}'))).toBe(false);
    expect(matcher('kinesis', { data: { Temperature: [{ numeric: ['>', 45] }] } }).matches(kinesisRecord('{"Temperature":46.0}'))).toBe(true);
  });
});

describe('FilterCriteriaMatcher: DynamoDB', () => {
  it('filters eventName and images together', () => {
    const filters = matcher('dynamodb', { eventName: ['INSERT'], dynamodb: { NewImage: { id: { BOOL: [true] } } } });
    expect(filters.matches(dynamodbRecord('INSERT', { id: { BOOL: true } }))).toBe(true);
    expect(filters.matches(dynamodbRecord('MODIFY', { id: { BOOL: true } }))).toBe(false);
    expect(filters.matches(dynamodbRecord('INSERT', { id: { BOOL: false } }))).toBe(false);
  });

  it('filters on eventSource and userIdentity metadata', () => {
    const ttlDelete = { ...dynamodbRecord('REMOVE'), userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } };
    const filters = matcher('dynamodb', { eventSource: ['aws:dynamodb'], userIdentity: { principalId: ['dynamodb.amazonaws.com'] } });
    expect(filters.matches(ttlDelete)).toBe(true);
    expect(filters.matches(dynamodbRecord('REMOVE'))).toBe(false);
  });
});
