import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateEventSourceMappingCommand,
  paginateListEventSourceMappings,
} from '@aws-sdk/client-lambda';
import { failureOf, MappingApiFixture } from './mapping-api-fixture.js';

const servers = inject('servers');
const ECHO_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:echo';

/** The SDK's answer without its request metadata. */
function body<T extends { $metadata?: unknown }>(output: T): Omit<T, '$metadata'> {
  const { $metadata: _metadata, ...rest } = output;
  return rest;
}

/** A new Kinesis or DynamoDB Streams mapping of `echo` as AWS answers it: every stream default, in Creating. */
function streamConfiguration(uuid: string, streamArn: string, overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    UUID: uuid,
    BatchSize: 100,
    MaximumBatchingWindowInSeconds: 0,
    ParallelizationFactor: 1,
    EventSourceArn: streamArn,
    FunctionArn: ECHO_ARN,
    LastModified: expect.any(Date),
    LastProcessingResult: 'No records processed',
    State: 'Creating',
    StateTransitionReason: 'User action',
    DestinationConfig: { OnFailure: {} },
    MaximumRecordAgeInSeconds: -1,
    BisectBatchOnFunctionError: false,
    MaximumRetryAttempts: -1,
    TumblingWindowInSeconds: 0,
    FunctionResponseTypes: [],
    EventSourceMappingArn: `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${uuid}`,
    ...overrides,
  };
}

describe('event source mapping API, driven by @aws-sdk/client-lambda', () => {
  const fixture = new MappingApiFixture(servers);

  beforeAll(async () => {
    await fixture.start();
  });

  afterAll(async () => {
    await fixture.stop();
  });

  it('SQS: create answers 202 Creating with exactly the SQS defaults, get/update/delete follow the state machine', async () => {
    const queueArn = await fixture.createQueue();
    const before = Date.now();
    const created = await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queueArn }));
    expect(created.$metadata.httpStatusCode).toBe(202);
    const uuid = created.UUID!;
    expect(body(created)).toStrictEqual({
      UUID: uuid,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      EventSourceArn: queueArn,
      FunctionArn: ECHO_ARN,
      LastModified: expect.any(Date),
      State: 'Creating',
      StateTransitionReason: 'USER_INITIATED',
      FunctionResponseTypes: [],
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${uuid}`,
    });
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.LastModified!.getTime()).toBeGreaterThanOrEqual(before - 1000);

    await fixture.settle(uuid);
    const got = await fixture.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(body(got)).toStrictEqual({ ...body(created), State: 'Enabled' });

    // Partial update: only BatchSize and the window change; the rest is kept. Then the disable and enable transitions.
    const updated = await fixture.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 50, MaximumBatchingWindowInSeconds: 2, ScalingConfig: { MaximumConcurrency: 4 } }),
    );
    expect(updated.$metadata.httpStatusCode).toBe(202);
    expect(body(updated)).toMatchObject({ State: 'Updating', BatchSize: 50, MaximumBatchingWindowInSeconds: 2, ScalingConfig: { MaximumConcurrency: 4 } });
    await fixture.settle(uuid);
    expect((await fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }))).State).toBe('Disabling');
    expect((await fixture.settle(uuid))?.state).toBe('Disabled');
    const enabling = await fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true, ScalingConfig: {} }));
    expect(enabling.State).toBe('Enabling');
    expect(enabling.ScalingConfig).toBeUndefined();
    expect(enabling.BatchSize).toBe(50);
    await fixture.settle(uuid);

    const deleted = await fixture.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    expect(deleted.$metadata.httpStatusCode).toBe(202);
    expect(body(deleted)).toMatchObject({ UUID: uuid, State: 'Deleting', BatchSize: 50 });
    expect(await fixture.settle(uuid)).toBeUndefined();
    expect(await failureOf(() => fixture.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The resource you requested does not exist.',
      status: 404,
    });
  });

  it('SQS FIFO and the 2025–26 fields: ProvisionedPollerConfig, MetricsConfig, KMSKeyArn, FilterCriteria are stored and echoed', async () => {
    const queueArn = await fixture.createQueue({ fifo: true });
    const key = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const created = await fixture.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: ECHO_ARN,
        EventSourceArn: queueArn,
        Enabled: false,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ProvisionedPollerConfig: { MinimumPollers: 3 },
        MetricsConfig: { Metrics: ['EventCount'] },
        KMSKeyArn: key,
        FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["a"]}}' }] },
      }),
    );
    expect(body(created)).toStrictEqual({
      UUID: created.UUID,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      EventSourceArn: queueArn,
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["a"]}}' }] },
      FunctionArn: ECHO_ARN,
      LastModified: expect.any(Date),
      State: 'Disabled',
      StateTransitionReason: 'USER_INITIATED',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${created.UUID}`,
      ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 200 },
      MetricsConfig: { Metrics: ['EventCount'] },
      KMSKeyArn: key,
    });
    // A listing does not decrypt filters encrypted with a customer key (the raw body carries null); Get does.
    const listedRaw = (await (await fetch(`${fixture.service.url}/2015-03-31/event-source-mappings?EventSourceArn=${encodeURIComponent(queueArn)}`)).json()) as {
      EventSourceMappings: Record<string, unknown>[];
    };
    expect(listedRaw.EventSourceMappings[0]).toMatchObject({ UUID: created.UUID, FilterCriteria: null, KMSKeyArn: key });
    expect((await fixture.lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }))).FilterCriteria).toEqual({
      Filters: [{ Pattern: '{"body":{"kind":["a"]}}' }],
    });
    // Clearing rules: FilterCriteria {} removes the filters, KMSKeyArn "" the key, ProvisionedPollerConfig {} provisioned mode.
    const cleared = await fixture.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: created.UUID, FilterCriteria: {}, KMSKeyArn: '', ProvisionedPollerConfig: {}, MetricsConfig: { Metrics: [] } }),
    );
    expect(cleared.State).toBe('Updating');
    for (const member of ['FilterCriteria', 'KMSKeyArn', 'ProvisionedPollerConfig', 'MetricsConfig'] as const) expect(cleared[member]).toBeUndefined();
    expect((await fixture.settle(created.UUID!))?.state).toBe('Disabled');
  });

  it('Kinesis: create answers the stream defaults and LastProcessingResult; update keeps StartingPosition; DestinationConfig clears', async () => {
    const streamArn = await fixture.createStream();
    const created = await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: streamArn, StartingPosition: 'LATEST' }));
    expect(created.$metadata.httpStatusCode).toBe(202);
    expect(body(created)).toStrictEqual(streamConfiguration(created.UUID!, streamArn, { StartingPosition: 'LATEST' }));
    await fixture.settle(created.UUID!);
    const destination = 'arn:aws:sqs:us-east-1:000000000000:failures';
    const updated = await fixture.lambda.send(
      new UpdateEventSourceMappingCommand({
        UUID: created.UUID,
        MaximumRetryAttempts: 3,
        BisectBatchOnFunctionError: true,
        ParallelizationFactor: 2,
        DestinationConfig: { OnFailure: { Destination: destination } },
      }),
    );
    expect(body(updated)).toMatchObject({
      State: 'Updating',
      StartingPosition: 'LATEST',
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      ParallelizationFactor: 2,
      DestinationConfig: { OnFailure: { Destination: destination } },
    });
    await fixture.settle(created.UUID!);
    await fixture.store.setStatus(created.UUID!, { lastProcessingResult: 'OK' });
    const cleared = await fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, DestinationConfig: { OnFailure: { Destination: '' } } }));
    expect(cleared.DestinationConfig).toEqual({ OnFailure: {} });
    expect(cleared.LastProcessingResult).toBe('OK');
    expect(cleared.MaximumRetryAttempts).toBe(3);
  });

  it('Kinesis AT_TIMESTAMP echoes StartingPositionTimestamp in epoch seconds', async () => {
    const streamArn = await fixture.createStream();
    const at = new Date(Math.floor((Date.now() - 60_000) / 1000) * 1000);
    const created = await fixture.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: streamArn, StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: at }),
    );
    expect(created.StartingPosition).toBe('AT_TIMESTAMP');
    expect(created.StartingPositionTimestamp).toEqual(at);
  });

  it('DynamoDB Streams: create, get, update and delete with the stream defaults', async () => {
    const streamArn = await fixture.createTableStream();
    const created = await fixture.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', MaximumRetryAttempts: 5 }),
    );
    expect(body(created)).toStrictEqual(streamConfiguration(created.UUID!, streamArn, { StartingPosition: 'TRIM_HORIZON', MaximumRetryAttempts: 5 }));
    await fixture.settle(created.UUID!);
    const updated = await fixture.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, BatchSize: 500, MaximumRecordAgeInSeconds: 3600 }));
    expect(body(updated)).toMatchObject({ BatchSize: 500, MaximumRecordAgeInSeconds: 3600, MaximumRetryAttempts: 5, State: 'Updating' });
    await fixture.settle(created.UUID!);
    expect((await fixture.lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }))).State).toBe('Deleting');
  });

  it('lists with FunctionName and EventSourceArn filters and pages with Marker and NextMarker', async () => {
    const queues = await Promise.all([0, 1, 2, 3, 4].map(() => fixture.createQueue({ visibilityTimeoutSeconds: 60 })));
    const uuids = new Set<string>();
    for (const queueArn of queues) {
      uuids.add((await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'slow', EventSourceArn: queueArn }))).UUID!);
    }
    const first = await fixture.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'slow', MaxItems: 2 }));
    expect(first.$metadata.httpStatusCode).toBe(200);
    expect(first.EventSourceMappings).toHaveLength(2);
    expect(first.NextMarker).toEqual(expect.any(String));

    const seen: string[] = [];
    for await (const page of paginateListEventSourceMappings({ client: fixture.lambda, pageSize: 2 }, { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:slow' })) {
      expect(page.EventSourceMappings!.length).toBeLessThanOrEqual(2);
      seen.push(...page.EventSourceMappings!.map((mapping) => mapping.UUID!));
    }
    expect(new Set(seen)).toEqual(uuids);
    expect(seen).toHaveLength(5);

    const one = await fixture.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: queues[3] }));
    expect(one.EventSourceMappings?.map((mapping) => mapping.EventSourceArn)).toEqual([queues[3]]);
    expect(one.EventSourceMappings?.[0]).toMatchObject({ FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:slow', State: 'Creating' });
    expect(one.NextMarker).toBeUndefined();

    const more = await fixture.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'slow', MaxItems: 1000 }));
    expect(more.EventSourceMappings).toHaveLength(5);
  });

  it('tags a mapping on create and through TagResource / UntagResource / ListTags, without changing its state', async () => {
    const queueArn = await fixture.createQueue();
    const created = await fixture.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queueArn, Tags: { team: 'a', env: 'dev' } }));
    const arn = created.EventSourceMappingArn!;
    expect((await fixture.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ team: 'a', env: 'dev' });
    await fixture.settle(created.UUID!);
    const tagged = await fixture.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { team: 'b', cost: '42' } }));
    expect(tagged.$metadata.httpStatusCode).toBe(204);
    await fixture.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['env'] }));
    expect((await fixture.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ team: 'b', cost: '42' });
    const got = await fixture.lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    expect(got.State).toBe('Enabled');
    expect(got.LastModified).toEqual(created.LastModified);

    // Configured functions have no tags: ListTags answers {} and tagging one is refused.
    expect((await fixture.lambda.send(new ListTagsCommand({ Resource: ECHO_ARN }))).Tags).toEqual({});
    expect(await failureOf(() => fixture.lambda.send(new TagResourceCommand({ Resource: ECHO_ARN, Tags: { a: 'b' } })))).toMatchObject({
      name: 'InvalidParameterValueException',
      status: 400,
    });
    const unknown = 'arn:aws:lambda:us-east-1:000000000000:event-source-mapping:00000000-0000-4000-8000-000000000000';
    expect(await failureOf(() => fixture.lambda.send(new ListTagsCommand({ Resource: unknown })))).toEqual({
      name: 'ResourceNotFoundException',
      message: `Event source mapping not found: ${unknown}`,
      status: 404,
    });
  });

  it('GetFunction and ListFunctions show the configured functions', async () => {
    const listed = await fixture.lambda.send(new ListFunctionsCommand({}));
    expect(listed.Functions?.map((fn) => fn.FunctionName)).toEqual(['echo', 'slow']);
    const slow = await fixture.lambda.send(new GetFunctionCommand({ FunctionName: 'slow' }));
    expect(slow.Configuration).toMatchObject({
      FunctionName: 'slow',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:slow',
      Timeout: 60,
      MemorySize: 128,
      Version: '$LATEST',
      State: 'Active',
      PackageType: 'Zip',
    });
    expect(slow.Concurrency).toEqual({ ReservedConcurrentExecutions: 3 });
    const paged = await fixture.lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));
    expect(paged.Functions?.map((fn) => fn.FunctionName)).toEqual(['echo']);
    expect((await fixture.lambda.send(new ListFunctionsCommand({ Marker: paged.NextMarker }))).Functions?.map((fn) => fn.FunctionName)).toEqual(['slow']);
    expect(await failureOf(() => fixture.lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });
});
