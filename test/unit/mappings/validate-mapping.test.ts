import { describe, expect, it } from 'vitest';
import { mappingUuid } from '../../../src/mappings/mapping-uuid.js';
import { validateMapping } from '../../../src/mappings/validate-mapping.js';

const PATH = 'eventSourceMappings[1]';
const NOW_MS = Date.UTC(2025, 0, 15, 12, 0, 0);
const SQS = 'arn:aws:sqs:us-east-1:000000000000:orders';
const FIFO = 'arn:aws:sqs:us-east-1:000000000000:orders.fifo';
const KINESIS = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';
const KINESIS_CONSUMER = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks/consumer/reader:1700000000';
const DYNAMODB = 'arn:aws:dynamodb:ddblocal:000000000000:table/Users/stream/2024-05-01T10:11:12.345';

const SOURCES = {
  SQS: { EventSourceArn: SQS },
  'SQS FIFO': { EventSourceArn: FIFO },
  Kinesis: { EventSourceArn: KINESIS, StartingPosition: 'LATEST' },
  'DynamoDB Streams': { EventSourceArn: DYNAMODB, StartingPosition: 'TRIM_HORIZON' },
} as const;
type Label = keyof typeof SOURCES;
const STREAMS: Label[] = ['Kinesis', 'DynamoDB Streams'];

function validate(raw: unknown) {
  return validateMapping(raw, { path: PATH, functionNames: new Set(['fn', 'other']), now: () => NOW_MS });
}

/** The issues as the configuration loader prints them. */
function lines(raw: unknown): string[] {
  return validate(raw).issues.map((issue) => `${issue.path}: ${issue.message}`);
}

function mapping(label: Label, fields: Record<string, unknown> = {}) {
  return { FunctionName: 'fn', ...SOURCES[label], ...fields };
}

/** Asserts exactly one issue, on `field`, with `message`. */
function expectOnly(raw: unknown, field: string, message: string): void {
  expect(lines(raw)).toEqual([`${PATH}.${field}: ${message}`]);
}

describe('validateMapping: defaults', () => {
  it('fills every SQS default and leaves stream-only fields undefined', () => {
    const result = validate({ FunctionName: 'fn', EventSourceArn: SQS });
    expect(result.issues).toEqual([]);
    expect(result.mapping).toStrictEqual({
      UUID: mappingUuid('fn', SQS),
      FunctionName: 'fn',
      EventSourceArn: SQS,
      sourceKind: 'sqs',
      fifo: false,
      Enabled: true,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: [],
    });
  });

  it('marks an SQS FIFO mapping as fifo with SQS defaults', () => {
    expect(validate({ FunctionName: 'fn', EventSourceArn: FIFO }).mapping).toMatchObject({ sourceKind: 'sqs', fifo: true, BatchSize: 10 });
  });

  it.each([
    ['Kinesis', 'kinesis', KINESIS, 'LATEST'],
    ['DynamoDB Streams', 'dynamodb', DYNAMODB, 'TRIM_HORIZON'],
  ] as const)('fills every %s default and leaves SQS-only fields undefined', (_label, kind, arn, position) => {
    const result = validate({ FunctionName: 'fn', EventSourceArn: arn, StartingPosition: position });
    expect(result.issues).toEqual([]);
    expect(result.mapping).toStrictEqual({
      UUID: mappingUuid('fn', arn),
      FunctionName: 'fn',
      EventSourceArn: arn,
      sourceKind: kind,
      fifo: false,
      Enabled: true,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: [],
      StartingPosition: position,
      ParallelizationFactor: 1,
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: false,
      TumblingWindowInSeconds: 0,
      DestinationConfig: { OnFailure: {} },
    });
  });

  it('keeps every value that is given', () => {
    const result = validate(
      mapping('Kinesis', {
        Enabled: false,
        BatchSize: 500,
        MaximumBatchingWindowInSeconds: 5,
        StartingPosition: 'TRIM_HORIZON',
        ParallelizationFactor: 10,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        BisectBatchOnFunctionError: true,
        TumblingWindowInSeconds: 0,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
      }),
    );
    expect(result.issues).toEqual([]);
    expect(result.mapping).toMatchObject({
      Enabled: false,
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 10,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      BisectBatchOnFunctionError: true,
      TumblingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
    });
  });

  it('treats a field left empty in YAML (null) as not given', () => {
    expect(validate(mapping('SQS', { BatchSize: null, ScalingConfig: null })).mapping).toMatchObject({ BatchSize: 10 });
    expect(validate(mapping('SQS', { ScalingConfig: null })).mapping?.ScalingConfig).toBeUndefined();
  });

  it('accepts a Kinesis enhanced fan-out consumer ARN as a Kinesis source', () => {
    const result = validate({ FunctionName: 'fn', EventSourceArn: KINESIS_CONSUMER, StartingPosition: 'LATEST' });
    expect(result.issues).toEqual([]);
    expect(result.mapping).toMatchObject({ sourceKind: 'kinesis', EventSourceArn: KINESIS_CONSUMER, BatchSize: 100 });
  });
});

describe('validateMapping: FunctionName, EventSourceArn, UUID and fields', () => {
  it('reports a missing FunctionName with the AWS null-member message', () => {
    expectOnly(
      { EventSourceArn: SQS },
      'FunctionName',
      "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null.",
    );
  });

  it('reports an unknown function with the AWS message', () => {
    expectOnly(mapping('SQS', { FunctionName: 'missing' }), 'FunctionName', 'Function does not exist');
  });

  it('resolves a function ARN or partial ARN to the configured name', () => {
    expect(validate(mapping('SQS', { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:fn' })).mapping?.FunctionName).toBe('fn');
    expect(validate(mapping('SQS', { FunctionName: '000000000000:function:other:$LATEST' })).mapping?.FunctionName).toBe('other');
  });

  it('limits FunctionName to 1..256 characters and requires a string', () => {
    expect(lines(mapping('SQS', { FunctionName: 'f'.repeat(257) }))).toEqual([
      expect.stringMatching(/^eventSourceMappings\[1\]\.FunctionName: .* must be 1\.\.256 characters long \(got 257\)$/),
    ]);
    expect(lines(mapping('SQS', { FunctionName: '' }))).toEqual([`${PATH}.FunctionName: "" must be 1..256 characters long (got 0)`]);
    expectOnly(mapping('SQS', { FunctionName: 42 }), 'FunctionName', '42 is not a string');
  });

  it.each([undefined, '', 'orders', 'arn:aws:sns:us-east-1:000000000000:topic', 'arn:aws:kinesis:us-east-1:000000000000:clicks'])(
    'reports EventSourceArn %j as "Unrecognized event source."',
    (arn) => {
      expectOnly({ FunctionName: 'fn', EventSourceArn: arn }, 'EventSourceArn', 'Unrecognized event source.');
    },
  );

  it('reports an EventSourceArn that is not a string with its type', () => {
    expect(lines({ FunctionName: 'fn', EventSourceArn: 7 })).toEqual([
      `${PATH}.EventSourceArn: 7 is not a string`,
    ]);
  });

  it('uses a configured UUID and derives one from FunctionName and EventSourceArn otherwise', () => {
    const uuid = '6d9e3c1a-8f0b-4c2d-9e7f-0a1b2c3d4e5f';
    expect(validate(mapping('SQS', { UUID: uuid })).mapping?.UUID).toBe(uuid);
    expect(validate(mapping('SQS')).mapping?.UUID).toBe(mappingUuid('fn', SQS));
    expect(validate(mapping('SQS', { FunctionName: 'other' })).mapping?.UUID).not.toBe(mappingUuid('fn', SQS));
  });

  it('reports a UUID that is not in RFC 4122 form', () => {
    expectOnly(mapping('SQS', { UUID: 'abc' }), 'UUID', '"abc" is not a UUID (8-4-4-4-12 hexadecimal digits)');
  });

  it('reports fields that CreateEventSourceMapping does not take (names are case-sensitive)', () => {
    expect(lines(mapping('SQS', { batchSize: 5, Tags: {} }))).toEqual([
      `${PATH}.batchSize: is not a supported field`,
      `${PATH}.Tags: is not a supported field`,
    ]);
  });

  it('reports a mapping that is not a map', () => {
    expect(lines('fn')).toEqual([`${PATH}: "fn" is not a map of CreateEventSourceMapping fields (FunctionName, EventSourceArn, …)`]);
    expect(validate([]).mapping).toBeUndefined();
  });

  it.each([
    ['Enabled', 'yes', '"yes" is not a boolean (true or false)'],
    ['BatchSize', '10', '"10" is not an integer'],
    ['BatchSize', 2.5, '2.5 is not an integer'],
    ['MaximumBatchingWindowInSeconds', 0.5, '0.5 is not an integer'],
    ['FunctionResponseTypes', 'ReportBatchItemFailures', '"ReportBatchItemFailures" is not a list such as [ReportBatchItemFailures]'],
  ])('reports a wrong type of %s (%j) with the value and the expected type', (field, value, message) => {
    expectOnly(mapping('SQS', { [field]: value }), field, message);
  });
});

describe('validateMapping: BatchSize and batching window', () => {
  it.each([
    ['SQS', 0, { MaximumBatchingWindowInSeconds: 1 }, '0 is out of range 1..10000 for SQS'],
    ['SQS', 10_001, { MaximumBatchingWindowInSeconds: 1 }, '10001 is out of range 1..10000 for SQS'],
    ['SQS FIFO', 11, {}, '11 is out of range 1..10 for SQS FIFO'],
    ['SQS FIFO', 0, {}, '0 is out of range 1..10 for SQS FIFO'],
    ['Kinesis', 20_000, {}, '20000 is out of range 1..10000 for Kinesis'],
    ['Kinesis', 0, {}, '0 is out of range 1..10000 for Kinesis'],
    ['DynamoDB Streams', 10_001, {}, '10001 is out of range 1..10000 for DynamoDB Streams'],
  ] as const)('%s: BatchSize %d is refused', (label, size, extra, message) => {
    expectOnly(mapping(label, { BatchSize: size, ...extra }), 'BatchSize', message);
  });

  it.each([
    ['SQS', 10_000, { MaximumBatchingWindowInSeconds: 1 }],
    ['SQS', 10, {}],
    ['SQS FIFO', 10, {}],
    ['Kinesis', 10_000, {}],
    ['DynamoDB Streams', 10_000, {}],
    ['DynamoDB Streams', 1, {}],
  ] as const)('%s: BatchSize %d is accepted', (label, size, extra) => {
    expect(validate(mapping(label, { BatchSize: size, ...extra })).mapping?.BatchSize).toBe(size);
  });

  it('SQS: BatchSize above 10 needs a batching window, with the AWS message', () => {
    expectOnly(
      mapping('SQS', { BatchSize: 11 }),
      'BatchSize',
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
    expectOnly(
      mapping('SQS', { BatchSize: 100, MaximumBatchingWindowInSeconds: 0 }),
      'BatchSize',
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
  });

  it('streams: BatchSize above 10 needs no batching window (their default is 100 with window 0)', () => {
    expect(validate(mapping('Kinesis', { BatchSize: 1000 })).issues).toEqual([]);
  });

  it.each([
    ['SQS', -1, '-1 is out of range 0..300 for SQS'],
    ['SQS', 301, '301 is out of range 0..300 for SQS'],
    ['Kinesis', 301, '301 is out of range 0..300 for Kinesis'],
    ['DynamoDB Streams', -1, '-1 is out of range 0..300 for DynamoDB Streams'],
  ] as const)('%s: MaximumBatchingWindowInSeconds %d is refused', (label, seconds, message) => {
    expectOnly(mapping(label, { MaximumBatchingWindowInSeconds: seconds }), 'MaximumBatchingWindowInSeconds', message);
  });

  it('SQS FIFO: a batching window is refused with the AWS message; 0 (no window) is accepted', () => {
    expectOnly(mapping('SQS FIFO', { MaximumBatchingWindowInSeconds: 5 }), 'MaximumBatchingWindowInSeconds', 'Batching window is not supported for FIFO queues');
    expect(validate(mapping('SQS FIFO', { MaximumBatchingWindowInSeconds: 0 })).mapping?.MaximumBatchingWindowInSeconds).toBe(0);
  });
});

describe('validateMapping: StartingPosition', () => {
  it.each(STREAMS)('%s: a missing StartingPosition gets the AWS null-member message', (label) => {
    expectOnly(
      { FunctionName: 'fn', EventSourceArn: SOURCES[label].EventSourceArn },
      'StartingPosition',
      "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.",
    );
  });

  it.each(STREAMS)('%s: a StartingPosition outside the enum gets the AWS enum message', (label) => {
    expectOnly(
      mapping(label, { StartingPosition: 'invalid' }),
      'StartingPosition',
      "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
    );
  });

  it('DynamoDB Streams: AT_TIMESTAMP is refused with the AWS message naming the ARN', () => {
    expectOnly(mapping('DynamoDB Streams', { StartingPosition: 'AT_TIMESTAMP' }), 'StartingPosition', `Unsupported starting position for arn type: ${DYNAMODB}`);
  });

  it('Kinesis: AT_TIMESTAMP takes epoch seconds and stores them', () => {
    const result = validate(mapping('Kinesis', { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 1_700_000_000.5 }));
    expect(result.issues).toEqual([]);
    expect(result.mapping).toMatchObject({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 1_700_000_000.5 });
  });

  it.each([
    ['2024-01-02T03:04:05Z', Date.UTC(2024, 0, 2, 3, 4, 5) / 1000],
    ['2024-01-02T03:04:05.250+01:00', Date.UTC(2024, 0, 2, 2, 4, 5, 250) / 1000],
    ['2024-01-02T03:04:05', Date.UTC(2024, 0, 2, 3, 4, 5) / 1000],
    ['2024-01-02', Date.UTC(2024, 0, 2) / 1000],
  ])('Kinesis: AT_TIMESTAMP takes the ISO 8601 string %s as epoch seconds', (text, seconds) => {
    expect(validate(mapping('Kinesis', { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: text })).mapping?.StartingPositionTimestamp).toBe(
      seconds,
    );
  });

  it('Kinesis: AT_TIMESTAMP needs a StartingPositionTimestamp', () => {
    expectOnly(mapping('Kinesis', { StartingPosition: 'AT_TIMESTAMP' }), 'StartingPositionTimestamp', 'is required when StartingPosition is AT_TIMESTAMP');
  });

  it('Kinesis: a StartingPositionTimestamp in the future is refused', () => {
    const future = NOW_MS / 1000 + 60;
    expectOnly(mapping('Kinesis', { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: future }), 'StartingPositionTimestamp', `${future} is in the future`);
  });

  it.each(['yesterday', 'March 7 2024', -5, true])('Kinesis: StartingPositionTimestamp %j is not a timestamp', (value) => {
    expect(lines(mapping('Kinesis', { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: value }))).toEqual([
      `${PATH}.StartingPositionTimestamp: ${JSON.stringify(value)} is not a timestamp (epoch seconds or an ISO 8601 date-time)`,
    ]);
  });

  it('Kinesis: a StartingPositionTimestamp with another StartingPosition is refused', () => {
    expectOnly(
      mapping('Kinesis', { StartingPosition: 'LATEST', StartingPositionTimestamp: 1_700_000_000 }),
      'StartingPositionTimestamp',
      'is only allowed with StartingPosition AT_TIMESTAMP (StartingPosition is LATEST)',
    );
  });
});

describe('validateMapping: stream retry and window parameters', () => {
  it.each(
    STREAMS.flatMap((label) => [
      [label, 'ParallelizationFactor', 0, `0 is out of range 1..10 for ${label}`],
      [label, 'ParallelizationFactor', 11, `11 is out of range 1..10 for ${label}`],
      [label, 'MaximumRetryAttempts', -2, `-2 is out of range -1..10000 for ${label}`],
      [label, 'MaximumRetryAttempts', 10_001, `10001 is out of range -1..10000 for ${label}`],
      [label, 'TumblingWindowInSeconds', -1, `-1 is out of range 0..900 for ${label}`],
      [label, 'TumblingWindowInSeconds', 901, `901 is out of range 0..900 for ${label}`],
      [label, 'BisectBatchOnFunctionError', 'true', '"true" is not a boolean (true or false)'],
    ]) as [Label, string, unknown, string][],
  )('%s: %s %j is refused', (label, field, value, message) => {
    expectOnly(mapping(label, { [field]: value }), field, message);
  });

  it.each(
    STREAMS.flatMap((label) => [
      [label, 'ParallelizationFactor', 1],
      [label, 'ParallelizationFactor', 10],
      [label, 'MaximumRetryAttempts', -1],
      [label, 'MaximumRetryAttempts', 0],
      [label, 'MaximumRetryAttempts', 10_000],
      [label, 'TumblingWindowInSeconds', 0],
      [label, 'TumblingWindowInSeconds', 1],
      [label, 'TumblingWindowInSeconds', 900],
      [label, 'MaximumRecordAgeInSeconds', -1],
      [label, 'MaximumRecordAgeInSeconds', 60],
      [label, 'MaximumRecordAgeInSeconds', 604_800],
    ]) as [Label, string, number][],
  )('%s: %s %d is accepted', (label, field, value) => {
    const result = validate(mapping(label, { [field]: value }));
    expect(result.issues).toEqual([]);
    expect(result.mapping).toMatchObject({ [field]: value });
  });

  it.each(STREAMS)('%s: a tumbling window with ParallelizationFactor above 1 is refused, as AWS does', (label) => {
    expectOnly(
      mapping(label, { TumblingWindowInSeconds: 60, ParallelizationFactor: 2 }),
      'TumblingWindowInSeconds',
      'TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.',
    );
    expect(validate(mapping(label, { TumblingWindowInSeconds: 60, ParallelizationFactor: 1 })).issues).toEqual([]);
  });

  it.each(STREAMS.flatMap((label) => [-2, 0, 59, 604_801].map((age) => [label, age])) as [Label, number][])(
    '%s: MaximumRecordAgeInSeconds %d is refused with the AWS rule',
    (label, age) => {
      expectOnly(
        mapping(label, { MaximumRecordAgeInSeconds: age }),
        'MaximumRecordAgeInSeconds',
        `${age} is out of range -1 or 60..604800 for ${label}: MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)`,
      );
    },
  );
});

describe('validateMapping: parameters of the other source family', () => {
  it.each([
    ['StartingPosition', 'LATEST'],
    ['StartingPositionTimestamp', 1_700_000_000],
    ['ParallelizationFactor', 2],
    ['MaximumRetryAttempts', -1],
    ['MaximumRecordAgeInSeconds', 60],
    ['BisectBatchOnFunctionError', false],
    ['TumblingWindowInSeconds', 0],
    ['DestinationConfig', { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' } }],
  ])('SQS and SQS FIFO refuse the stream-only %s', (field, value) => {
    // AWS words the starting position its own way (LocalStack snapshot recorded against AWS).
    const message = field.startsWith('StartingPosition')
      ? 'StartingPosition is not valid for SQS event sources.'
      : `Unsupported ${field} parameter for given event source mapping type.`;
    expectOnly(mapping('SQS', { [field]: value }), field, message);
    expectOnly(mapping('SQS FIFO', { [field]: value }), field, message);
  });

  it.each(STREAMS)('%s refuses the SQS-only ScalingConfig', (label) => {
    expectOnly(mapping(label, { ScalingConfig: { MaximumConcurrency: 5 } }), 'ScalingConfig', 'Unsupported ScalingConfig parameter for given event source mapping type.');
  });
});

describe('validateMapping: DestinationConfig', () => {
  it.each([
    'arn:aws:sqs:us-east-1:000000000000:dlq',
    'arn:aws:sns:us-east-1:000000000000:failures',
    'arn:aws:s3:::failure-bucket',
    'arn:aws-cn:sqs:cn-north-1:000000000000:dlq',
  ])('accepts the on-failure destination %s', (destination) => {
    expect(validate(mapping('DynamoDB Streams', { DestinationConfig: { OnFailure: { Destination: destination } } })).mapping?.DestinationConfig).toEqual({
      OnFailure: { Destination: destination },
    });
  });

  it('treats an empty Destination or an empty OnFailure as no destination', () => {
    expect(validate(mapping('Kinesis', { DestinationConfig: { OnFailure: { Destination: '' } } })).mapping?.DestinationConfig).toEqual({ OnFailure: {} });
    expect(validate(mapping('Kinesis', { DestinationConfig: { OnFailure: {} } })).mapping?.DestinationConfig).toEqual({ OnFailure: {} });
  });

  it('refuses OnSuccess with the AWS message', () => {
    expectOnly(
      mapping('Kinesis', { DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:ok' } } }),
      'DestinationConfig.OnSuccess',
      'Unsupported DestinationConfig parameter for given event source mapping type.',
    );
  });

  it('refuses a Kafka topic destination, which only Kafka mappings support', () => {
    expectOnly(
      mapping('Kinesis', { DestinationConfig: { OnFailure: { Destination: 'kafka://topic' } } }),
      'DestinationConfig.OnFailure.Destination',
      'Unsupported DestinationConfig parameter for given event source mapping type.',
    );
  });

  it.each(['arn:aws:lambda:us-east-1:000000000000:function:fn', 'dlq'])('refuses the destination %j', (destination) => {
    expectOnly(
      mapping('Kinesis', { DestinationConfig: { OnFailure: { Destination: destination } } }),
      'DestinationConfig.OnFailure.Destination',
      `${JSON.stringify(destination)} is not an SQS queue, SNS topic or S3 bucket ARN`,
    );
  });

  it('refuses unknown members and a destination longer than 350 characters', () => {
    expect(lines(mapping('Kinesis', { DestinationConfig: { OnFailure: { Destination: 'arn:aws:s3:::b'.padEnd(351, 'x'), Type: 'SQS' } } }))).toEqual([
      `${PATH}.DestinationConfig.OnFailure.Type: is not a supported field`,
      `${PATH}.DestinationConfig.OnFailure.Destination: is 351 characters long; at most 350 are allowed`,
    ]);
  });
});

describe('validateMapping: ScalingConfig, FunctionResponseTypes, FilterCriteria', () => {
  it.each([
    ['SQS', 1, '1 is out of range 2..1000 for SQS'],
    ['SQS', 1001, '1001 is out of range 2..1000 for SQS'],
    ['SQS FIFO', 1, '1 is out of range 2..1000 for SQS FIFO'],
  ] as const)('%s: ScalingConfig.MaximumConcurrency %d is refused', (label, value, message) => {
    expectOnly(mapping(label, { ScalingConfig: { MaximumConcurrency: value } }), 'ScalingConfig.MaximumConcurrency', message);
  });

  it('SQS: ScalingConfig.MaximumConcurrency 2..1000 is kept; {} means no cap', () => {
    expect(validate(mapping('SQS', { ScalingConfig: { MaximumConcurrency: 2 } })).mapping?.ScalingConfig).toEqual({ MaximumConcurrency: 2 });
    expect(validate(mapping('SQS FIFO', { ScalingConfig: { MaximumConcurrency: 1000 } })).mapping?.ScalingConfig).toEqual({ MaximumConcurrency: 1000 });
    const uncapped = validate(mapping('SQS', { ScalingConfig: {} }));
    expect(uncapped.issues).toEqual([]);
    expect(uncapped.mapping?.ScalingConfig).toBeUndefined();
  });

  it.each(Object.keys(SOURCES) as Label[])('%s: FunctionResponseTypes takes ReportBatchItemFailures', (label) => {
    expect(validate(mapping(label, { FunctionResponseTypes: ['ReportBatchItemFailures'] })).mapping?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('FunctionResponseTypes refuses other values and more than one item', () => {
    expectOnly(mapping('SQS', { FunctionResponseTypes: ['Partial'] }), 'FunctionResponseTypes[0]', '"Partial" is not one of ReportBatchItemFailures');
    expectOnly(
      mapping('SQS', { FunctionResponseTypes: ['ReportBatchItemFailures', 'ReportBatchItemFailures'] }),
      'FunctionResponseTypes',
      'has 2 items; at most 1 (ReportBatchItemFailures) is allowed',
    );
  });

  it('FilterCriteria {} and { Filters: [] } mean no filtering', () => {
    expect(validate(mapping('SQS', { FilterCriteria: {} })).mapping?.FilterCriteria).toBeUndefined();
    expect(validate(mapping('SQS', { FilterCriteria: { Filters: [] } })).mapping?.FilterCriteria).toBeUndefined();
  });

  it.each([
    ['SQS', '{"body":{"status":["ok"]}}'],
    ['Kinesis', '{"data":{"type":["click"]}}'],
    ['DynamoDB Streams', '{"eventName":["INSERT"]}'],
  ] as const)('%s: a valid filter pattern is kept', (label, pattern) => {
    const result = validate(mapping(label, { FilterCriteria: { Filters: [{ Pattern: pattern }] } }));
    expect(result.issues).toEqual([]);
    expect(result.mapping?.FilterCriteria).toEqual({ Filters: [{ Pattern: pattern }] });
  });

  it.each(['not json', '{"body":{"status":"ok"}}'])('an invalid filter pattern (%s) is reported on FilterCriteria with the AWS message', (pattern) => {
    expectOnly(mapping('SQS', { FilterCriteria: { Filters: [{ Pattern: pattern }] } }), 'FilterCriteria', 'Invalid filter pattern definition.');
  });

  it('FilterCriteria allows at most 5 filters', () => {
    const filters = Array.from({ length: 6 }, (_, i) => ({ Pattern: `{"body":{"n":[${i}]}}` }));
    expectOnly(mapping('SQS', { FilterCriteria: { Filters: filters } }), 'FilterCriteria.Filters', '6 filters exceed the limit of 5 per event source mapping');
  });

  it('FilterCriteria patterns are strings of at most 4096 characters, with no other members', () => {
    const long = `{"body":{"s":["${'x'.repeat(4096)}"]}}`;
    expect(lines(mapping('SQS', { FilterCriteria: { Filters: [{ Pattern: long }, { Pattern: { body: {} } }, { Pattern: '{}', Name: 'x' }] } }))).toEqual([
      `${PATH}.FilterCriteria.Filters[0].Pattern: is ${long.length} characters long; at most 4096 are allowed`,
      `${PATH}.FilterCriteria.Filters[1].Pattern: {"body":{}} is not a string (a JSON filter pattern)`,
      `${PATH}.FilterCriteria.Filters[2].Name: is not a supported field`,
    ]);
  });
});

describe('validateMapping: several problems at once', () => {
  it('reports every issue, not only the first, and returns no mapping', () => {
    const result = validate({
      FunctionName: 'missing',
      EventSourceArn: KINESIS,
      BatchSize: 20_000,
      ParallelizationFactor: 11,
      MaximumRecordAgeInSeconds: 30,
      ScalingConfig: { MaximumConcurrency: 5 },
      Extra: 1,
    });
    expect(result.mapping).toBeUndefined();
    expect(result.issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      `${PATH}.Extra: is not a supported field`,
      `${PATH}.FunctionName: Function does not exist`,
      `${PATH}.ScalingConfig: Unsupported ScalingConfig parameter for given event source mapping type.`,
      `${PATH}.BatchSize: 20000 is out of range 1..10000 for Kinesis`,
      "eventSourceMappings[1].StartingPosition: 1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.",
      `${PATH}.ParallelizationFactor: 11 is out of range 1..10 for Kinesis`,
      `${PATH}.MaximumRecordAgeInSeconds: 30 is out of range -1 or 60..604800 for Kinesis: MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)`,
    ]);
  });

  it('still type-checks the other fields when the source is not recognised', () => {
    expect(lines({ FunctionName: 'fn', EventSourceArn: 'nope', BatchSize: 'ten', Enabled: 1 })).toEqual([
      `${PATH}.EventSourceArn: Unrecognized event source.`,
      `${PATH}.Enabled: 1 is not a boolean (true or false)`,
      `${PATH}.BatchSize: "ten" is not an integer`,
    ]);
  });
});

/** The error the Lambda API answers for the first issue (absent `api`: InvalidParameterValueException with the message). */
function apiErrorsOf(raw: unknown): { name: string; message: string }[] {
  return validate(raw).issues.map((issue) => issue.api ?? { name: 'InvalidParameterValueException', message: issue.message });
}

describe('validateMapping: 2025–26 fields', () => {
  it('accepts MetricsConfig EventCount on every source, and an empty list as none', () => {
    for (const label of ['SQS', 'Kinesis', 'DynamoDB Streams'] as const) {
      expect(validate(mapping(label, { MetricsConfig: { Metrics: ['EventCount'] } })).mapping?.MetricsConfig).toEqual({ Metrics: ['EventCount'] });
      expect(validate(mapping(label, { MetricsConfig: { Metrics: [] } })).mapping).not.toHaveProperty('MetricsConfig');
    }
  });

  it('refuses the Kafka-only metrics and unknown metric names', () => {
    expectOnly(mapping('SQS', { MetricsConfig: { Metrics: ['ErrorCount'] } }), 'MetricsConfig.Metrics[0]', 'Unsupported MetricsConfig parameter for given event source mapping type.');
    expect(apiErrorsOf(mapping('Kinesis', { MetricsConfig: { Metrics: ['Bytes'] } }))).toEqual([
      {
        name: 'ValidationException',
        message:
          "1 validation error detected: Value '[Bytes]' at 'metricsConfig.metrics' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [EventCount, ErrorCount, KafkaMetrics]]",
      },
    ]);
  });

  it('fills ProvisionedPollerConfig defaults for SQS and treats {} as on-demand', () => {
    expect(validate(mapping('SQS', { ProvisionedPollerConfig: { MinimumPollers: 5 } })).mapping?.ProvisionedPollerConfig).toEqual({ MinimumPollers: 5, MaximumPollers: 200 });
    expect(validate(mapping('SQS FIFO', { ProvisionedPollerConfig: { MaximumPollers: 2 } })).mapping?.ProvisionedPollerConfig).toEqual({ MinimumPollers: 2, MaximumPollers: 2 });
    expect(validate(mapping('SQS', { ProvisionedPollerConfig: {} })).mapping).not.toHaveProperty('ProvisionedPollerConfig');
  });

  it.each([
    [{ MinimumPollers: 1 }, 'ProvisionedPollerConfig.MinimumPollers', 'InvalidParameterValueException', 'MinimumPollers must be between 2 and 200 for SQS.'],
    [{ MinimumPollers: 201 }, 'ProvisionedPollerConfig.MinimumPollers', 'ValidationException', "1 validation error detected: Value '201' at 'provisionedPollerConfig.minimumPollers' failed to satisfy constraint: Member must have value less than or equal to 200"],
    [{ MaximumPollers: 10_001 }, 'ProvisionedPollerConfig.MaximumPollers', 'ValidationException', "1 validation error detected: Value '10001' at 'provisionedPollerConfig.maximumPollers' failed to satisfy constraint: Member must have value less than or equal to 10000"],
    [{ MinimumPollers: 10, MaximumPollers: 5 }, 'ProvisionedPollerConfig', 'InvalidParameterValueException', 'MinimumPollers must be less than or equal to MaximumPollers.'],
  ])('refuses ProvisionedPollerConfig %j', (config, field, name, message) => {
    const result = validate(mapping('SQS', { ProvisionedPollerConfig: config }));
    expect(result.issues.map((issue) => issue.path)).toEqual([`${PATH}.${field}`]);
    expect(apiErrorsOf(mapping('SQS', { ProvisionedPollerConfig: config }))).toEqual([{ name, message }]);
  });

  it('refuses ProvisionedPollerConfig together with MaximumConcurrency, and on streams', () => {
    expectOnly(
      mapping('SQS', { ProvisionedPollerConfig: { MinimumPollers: 2 }, ScalingConfig: { MaximumConcurrency: 5 } }),
      'ProvisionedPollerConfig',
      'ProvisionedPollerConfig and ScalingConfig.MaximumConcurrency cannot be set together.',
    );
    expectOnly(mapping('Kinesis', { ProvisionedPollerConfig: { MinimumPollers: 2 } }), 'ProvisionedPollerConfig', 'Unsupported ProvisionedPollerConfig parameter for given event source mapping type.');
    expectOnly(mapping('SQS', { ProvisionedPollerConfig: { PollerGroupName: 'g' } }), 'ProvisionedPollerConfig.PollerGroupName', 'Unsupported PollerGroupName parameter for given event source mapping type.');
  });

  it('accepts a KMSKeyArn and echoes it; "" means the AWS-owned key', () => {
    const key = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(validate(mapping('Kinesis', { KMSKeyArn: key })).mapping?.KMSKeyArn).toBe(key);
    expect(validate(mapping('SQS', { KMSKeyArn: '' })).mapping).not.toHaveProperty('KMSKeyArn');
    expect(apiErrorsOf(mapping('SQS', { KMSKeyArn: 'key-1' }))[0]?.name).toBe('ValidationException');
  });

  it.each(['Topics', 'Queues', 'SourceAccessConfigurations', 'SelfManagedEventSource', 'SelfManagedKafkaEventSourceConfig', 'AmazonManagedKafkaEventSourceConfig', 'DocumentDBEventSourceConfig', 'LoggingConfig'])(
    'refuses the Kafka/MQ/DocumentDB field %s',
    (field) => {
      expectOnly(mapping('SQS', { [field]: ['x'] }), field, `Unsupported ${field} parameter for given event source mapping type.`);
    },
  );
});

describe('validateMapping: how the Lambda API reports each problem', () => {
  it('reports model ranges as ValidationException with the member path in lower camel case', () => {
    expect(apiErrorsOf(mapping('Kinesis', { BatchSize: 10_001 }))).toEqual([
      { name: 'ValidationException', message: "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000" },
    ]);
    expect(apiErrorsOf(mapping('SQS', { ScalingConfig: { MaximumConcurrency: 1 } }))).toEqual([
      { name: 'ValidationException', message: "1 validation error detected: Value '1' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 2" },
    ]);
    expect(apiErrorsOf(mapping('Kinesis', { MaximumRecordAgeInSeconds: -2 }))[0]?.name).toBe('ValidationException');
  });

  it('reports a source limit inside the model range as InvalidParameterValueException', () => {
    expect(apiErrorsOf(mapping('SQS FIFO', { BatchSize: 11 }))).toEqual([{ name: 'InvalidParameterValueException', message: 'BatchSize must be between 1 and 10 for SQS FIFO.' }]);
    expect(apiErrorsOf(mapping('Kinesis', { MaximumRecordAgeInSeconds: 59 }))).toEqual([
      { name: 'InvalidParameterValueException', message: 'MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)' },
    ]);
  });

  it('reports a wrong JSON type as InvalidRequestContentException, and the enum of StartingPosition as ValidationException', () => {
    expect(apiErrorsOf(mapping('SQS', { BatchSize: 'ten' }))[0]?.name).toBe('InvalidRequestContentException');
    expect(apiErrorsOf(mapping('Kinesis', { StartingPosition: 'NOW' }))[0]?.name).toBe('ValidationException');
    expect(apiErrorsOf(mapping('Kinesis', { StartingPosition: 'LATEST', StartingPositionTimestamp: 1_700_000_000 }))).toEqual([
      { name: 'InvalidParameterValueException', message: 'Timestamp only valid with StartingPosition AT_TIMESTAMP' },
    ]);
  });
});
