import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { failureOf, MappingApiFixture } from './mapping-api-fixture.js';

const servers = inject('servers');
const MISSING_UUID = '00000000-0000-4000-8000-000000000000';
const UNSUPPORTED = (field: string) => `Unsupported ${field} parameter for given event source mapping type.`;

describe('event source mapping API errors (spec §1.3), as the SDK sees them', () => {
  const fixture = new MappingApiFixture(servers);
  let queueArn: string;
  let streamArn: string;
  let tableStreamArn: string;

  const create = (input: Partial<CreateEventSourceMappingCommandInput>) =>
    failureOf(() => fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', ...input })));

  beforeAll(async () => {
    await fixture.start();
    [queueArn, streamArn, tableStreamArn] = await Promise.all([fixture.createQueue(), fixture.createStream(), fixture.createTableStream()]);
  });

  afterAll(async () => {
    await fixture.stop();
  });

  it('refuses a queue or stream that does not exist with AWS messages', async () => {
    expect(await create({ EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:no-such-queue' })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
      status: 400,
    });
    const missingStream = 'arn:aws:kinesis:us-east-1:000000000000:stream/no-such-stream';
    expect(await create({ EventSourceArn: missingStream, StartingPosition: 'LATEST' })).toEqual({
      name: 'InvalidParameterValueException',
      message: `Stream not found: ${missingStream}`,
      status: 400,
    });
    const missingConsumer = `${streamArn}/consumer/no-such-consumer:1700000000`;
    expect(await create({ EventSourceArn: missingConsumer, StartingPosition: 'LATEST' })).toEqual({
      name: 'InvalidParameterValueException',
      message: `Stream consumer not found: ${missingConsumer}`,
      status: 400,
    });
    const missingTable = 'arn:aws:dynamodb:ddblocal:000000000000:table/NoSuchTable/stream/2024-01-01T00:00:00.000';
    expect(await create({ EventSourceArn: missingTable, StartingPosition: 'LATEST' })).toEqual({
      name: 'InvalidParameterValueException',
      message: `Stream not found: ${missingTable}`,
      status: 400,
    });
  });

  it('refuses a queue whose visibility timeout is shorter than the function timeout, on create and on update', async () => {
    expect(await create({ FunctionName: 'slow', EventSourceArn: queueArn })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds',
      status: 400,
    });
    const created = await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: await fixture.createQueue() }));
    await fixture.settle(created.UUID!);
    expect((await failureOf(() => fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, FunctionName: 'slow' })))).message).toBe(
      'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds',
    );
  });

  it('refuses the StartingPosition rules of §1.3', async () => {
    expect(await create({ EventSourceArn: streamArn })).toEqual({
      name: 'InvalidParameterValueException',
      message: "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.",
      status: 400,
    });
    expect(await create({ EventSourceArn: tableStreamArn, StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: new Date(Date.now() - 1000) })).toEqual({
      name: 'InvalidParameterValueException',
      message: `Unsupported starting position for arn type: ${tableStreamArn}`,
      status: 400,
    });
    expect(await create({ EventSourceArn: streamArn, StartingPosition: 'LATEST', StartingPositionTimestamp: new Date(Date.now() - 1000) })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Timestamp only valid with StartingPosition AT_TIMESTAMP',
      status: 400,
    });
    expect(await create({ EventSourceArn: queueArn, StartingPosition: 'LATEST' })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'StartingPosition is not valid for SQS event sources.',
      status: 400,
    });
  });

  it('refuses a bad filter, a missing source, an unknown function and OnSuccess', async () => {
    expect(await create({ EventSourceArn: queueArn, FilterCriteria: { Filters: [{ Pattern: '{"body": 5' }] } })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Invalid filter pattern definition.',
      status: 400,
    });
    expect(await create({})).toEqual({ name: 'InvalidParameterValueException', message: 'Unrecognized event source.', status: 400 });
    expect(await create({ FunctionName: 'nope', EventSourceArn: queueArn })).toEqual({ name: 'InvalidParameterValueException', message: 'Function does not exist', status: 400 });
    expect(
      await create({ EventSourceArn: streamArn, StartingPosition: 'LATEST', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:ok' } } }),
    ).toEqual({ name: 'InvalidParameterValueException', message: UNSUPPORTED('DestinationConfig'), status: 400 });
  });

  it('reports model ranges as ValidationException and source ranges as InvalidParameterValueException', async () => {
    expect(await create({ EventSourceArn: queueArn, BatchSize: 10_001, MaximumBatchingWindowInSeconds: 1 })).toEqual({
      name: 'ValidationException',
      message: "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000",
      status: 400,
    });
    expect(await create({ EventSourceArn: queueArn, BatchSize: 20 })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
      status: 400,
    });
    expect(await create({ EventSourceArn: await fixture.createQueue({ fifo: true }), MaximumBatchingWindowInSeconds: 5 })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Batching window is not supported for FIFO queues',
      status: 400,
    });
    expect(await create({ EventSourceArn: streamArn, StartingPosition: 'LATEST', MaximumRecordAgeInSeconds: 30 })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)',
      status: 400,
    });
    expect(await create({ EventSourceArn: queueArn, ScalingConfig: { MaximumConcurrency: 1 } })).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await create({ EventSourceArn: queueArn, ProvisionedPollerConfig: { MinimumPollers: 2 }, ScalingConfig: { MaximumConcurrency: 5 } })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'ProvisionedPollerConfig and ScalingConfig.MaximumConcurrency cannot be set together.',
      status: 400,
    });
  });

  it('refuses the fields of the other source family and of Kafka, MQ and DocumentDB', async () => {
    expect(await create({ EventSourceArn: queueArn, BisectBatchOnFunctionError: true })).toEqual({
      name: 'InvalidParameterValueException',
      message: UNSUPPORTED('BisectBatchOnFunctionError'),
      status: 400,
    });
    expect(await create({ EventSourceArn: streamArn, StartingPosition: 'LATEST', ProvisionedPollerConfig: { MinimumPollers: 2 } })).toEqual({
      name: 'InvalidParameterValueException',
      message: UNSUPPORTED('ProvisionedPollerConfig'),
      status: 400,
    });
    expect(await create({ EventSourceArn: queueArn, Topics: ['orders'] })).toEqual({ name: 'InvalidParameterValueException', message: UNSUPPORTED('Topics'), status: 400 });
    expect(await create({ EventSourceArn: queueArn, MetricsConfig: { Metrics: ['KafkaMetrics'] } })).toEqual({
      name: 'InvalidParameterValueException',
      message: UNSUPPORTED('MetricsConfig'),
      status: 400,
    });
  });

  it('answers duplicates with ResourceConflictException in the SQS and stream wordings', async () => {
    const first = await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queueArn }));
    expect(await create({ EventSourceArn: queueArn, BatchSize: 5 })).toEqual({
      name: 'ResourceConflictException',
      message: `An event source mapping with SQS arn (" ${queueArn} ") and function (" echo ") already exists. Please update or delete the existing mapping with UUID ${first.UUID}`,
      status: 409,
    });
    const stream = await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: streamArn, StartingPosition: 'LATEST' }));
    expect(await create({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON' })).toEqual({
      name: 'ResourceConflictException',
      message: `The event source arn (" ${streamArn} ") and function (" echo ") provided mapping already exists. Please update or delete the existing mapping with UUID ${stream.UUID}`,
      status: 409,
    });
  });

  it('answers ResourceInUseException while a transition is under way, and ResourceNotFoundException for unknown UUIDs', async () => {
    await fixture.holdTransitions();
    const created = await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: await fixture.createQueue() }));
    expect(created.State).toBe('Creating');
    expect(await failureOf(() => fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, BatchSize: 5 })))).toEqual({
      name: 'ResourceInUseException',
      message: 'Cannot update the event source mapping because it is in use.',
      status: 400,
    });
    expect(await failureOf(() => fixture.lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID })))).toEqual({
      name: 'ResourceInUseException',
      message: 'Cannot delete the event source mapping because it is in use.',
      status: 400,
    });
    await fixture.settle(created.UUID!);
    expect((await fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, BatchSize: 5 }))).BatchSize).toBe(5);

    const notFound = { name: 'ResourceNotFoundException', message: 'The resource you requested does not exist.', status: 404 };
    expect(await failureOf(() => fixture.lambda.send(new GetEventSourceMappingCommand({ UUID: MISSING_UUID })))).toEqual(notFound);
    expect(await failureOf(() => fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: MISSING_UUID, BatchSize: 5 })))).toEqual(notFound);
    expect(await failureOf(() => fixture.lambda.send(new DeleteEventSourceMappingCommand({ UUID: MISSING_UUID })))).toEqual(notFound);
  });

  it('refuses a tumbling window with ParallelizationFactor above 1, on create and on update', async () => {
    const refusal = { name: 'InvalidParameterValueException', message: 'TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.', status: 400 };
    expect(await create({ EventSourceArn: streamArn, StartingPosition: 'LATEST', TumblingWindowInSeconds: 60, ParallelizationFactor: 2 })).toEqual(refusal);
    const created = await fixture.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: await fixture.createTableStream(), StartingPosition: 'LATEST', ParallelizationFactor: 3 }),
    );
    await fixture.settle(created.UUID!);
    expect(await failureOf(() => fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, TumblingWindowInSeconds: 30 })))).toEqual(refusal);
    const windowed = await fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, TumblingWindowInSeconds: 30, ParallelizationFactor: 1 }));
    expect(windowed).toMatchObject({ TumblingWindowInSeconds: 30, ParallelizationFactor: 1 });
  });

  it('a refused update changes nothing', async () => {
    const created = await fixture.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: await fixture.createStream(), StartingPosition: 'LATEST', BatchSize: 7 }),
    );
    await fixture.settle(created.UUID!);
    const before = await fixture.store.get(created.UUID!);
    expect((await failureOf(() => fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, BatchSize: 0 })))).name).toBe('ValidationException');
    expect(await fixture.store.get(created.UUID!)).toEqual(before);
  });

  // Requests the SDK cannot send: malformed, oversized, unknown or create-only members.
  async function send(method: string, path: string, body: string): Promise<{ status: number; type: string | null; body: unknown }> {
    const response = await fetch(`${fixture.service.url}${path}`, { method, body, headers: { 'content-type': 'application/json' } });
    return { status: response.status, type: response.headers.get('x-amzn-ErrorType'), body: await response.json() };
  }

  it('answers malformed JSON, unknown members and too large bodies with AWS 400s and 413', async () => {
    expect(await send('POST', '/2015-03-31/event-source-mappings/', '{"FunctionName":')).toMatchObject({
      status: 400,
      type: 'InvalidRequestContentException',
      body: { Type: 'User', message: expect.stringMatching(/^Could not parse request body into json: /) },
    });
    expect(await send('POST', '/2015-03-31/event-source-mappings/', '{"FunctionName":"echo","Colour":"red"}')).toEqual({
      status: 400,
      type: 'InvalidRequestContentException',
      body: { Type: 'User', message: 'Could not parse request body into json: Unrecognized field "Colour", not marked as ignorable' },
    });
    expect(await send('POST', '/2015-03-31/event-source-mappings/', '{"FunctionName":"echo","BatchSize":"ten"}')).toMatchObject({
      status: 400,
      type: 'InvalidRequestContentException',
    });
    expect(await send('POST', '/2015-03-31/event-source-mappings/', JSON.stringify({ FunctionName: 'x'.repeat(300 * 1024) }))).toMatchObject({
      status: 413,
      type: 'RequestEntityTooLargeException',
    });
  });

  it('refuses create-only members on update', async () => {
    const queueArn = await fixture.createQueue();
    const created = await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queueArn }));
    await fixture.settle(created.UUID!);
    for (const member of ['EventSourceArn', 'StartingPosition', 'StartingPositionTimestamp', 'Tags']) {
      expect(await send('PUT', `/2015-03-31/event-source-mappings/${created.UUID}`, JSON.stringify({ [member]: 'x' }))).toEqual({
        status: 400,
        type: 'InvalidRequestContentException',
        body: { Type: 'User', message: `Could not parse request body into json: Unrecognized field "${member}", not marked as ignorable` },
      });
    }
  });
});
