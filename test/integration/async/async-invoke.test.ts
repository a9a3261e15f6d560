import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { InvokeCommand, RequestTooLargeException, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { lambdaClientFor } from '../../harness/lambda-client.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { asyncServiceConfig, createQueue, invokeEvent, receiveMessage, TEST_TIME_SCALE, type TestQueue } from './async-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);
const RECORD_KEYS = ['version', 'timestamp', 'requestContext', 'requestPayload', 'responseContext', 'responsePayload'];
const ERROR_OBJECT = { errorType: 'OrderError', errorMessage: 'order 42 is invalid' };
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

describe('asynchronous invocation (InvocationType Event)', () => {
  let service: RunningService;
  let lambda: LambdaClient;
  let ok: RecordingTarget;
  let failing: RecordingTarget;
  let throttling: RecordingTarget;
  let failures: TestQueue;
  let successes: TestQueue;
  let topicQueue: TestQueue;
  let throttleFailures: TestQueue;
  let deadLetters: TestQueue;
  let zeroFailures: TestQueue;
  let bucket: string;
  let lateQueueName: string;

  beforeAll(async () => {
    ok = await startRecordingTarget(() => ({ body: { ok: true } }));
    failing = await startRecordingTarget(() => ({ body: ERROR_OBJECT, headers: { 'X-Amz-Function-Error': 'Unhandled' } }));
    throttling = await startRecordingTarget(() => ({ status: 429, body: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' } }));
    [failures, successes, topicQueue, throttleFailures, deadLetters, zeroFailures] = await Promise.all(
      ['t-afail', 't-asucc', 't-atopic', 't-athr', 't-adlq', 't-azero'].map((prefix) => createQueue(clients, prefix)),
    );
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: uniqueName('t-atopic') }));
    await clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: topicQueue.arn }));
    bucket = uniqueName('t-abucket').toLowerCase();
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    lateQueueName = uniqueName('t-alate');
    const lateQueueArn = `${failures.arn.slice(0, failures.arn.lastIndexOf(':') + 1)}${lateQueueName}`;
    const onFailure = (arn: string) => `DestinationConfig: { OnFailure: { Destination: "${arn}" } }`;
    service = await startService({
      servers,
      config: asyncServiceConfig([
        `recorder: { url: "${ok.url}" }`,
        `failing-sqs: { url: "${failing.url}", eventInvokeConfig: { ${onFailure(failures.arn)} } }`,
        `failing-sns: { url: "${failing.url}", eventInvokeConfig: { MaximumRetryAttempts: 0, ${onFailure(TopicArn!)} } }`,
        `failing-s3: { url: "${failing.url}", eventInvokeConfig: { MaximumRetryAttempts: 1, ${onFailure(`arn:aws:s3:::${bucket}`)} } }`,
        `succeeding: { url: "${ok.url}", eventInvokeConfig: { DestinationConfig: { OnSuccess: { Destination: "${successes.arn}" } } } }`,
        `chained: { url: "${ok.url}", eventInvokeConfig: { DestinationConfig: { OnSuccess: { Destination: "${arnOf('recorder')}" } } } }`,
        `throttled: { url: "${throttling.url}", eventInvokeConfig: { MaximumEventAgeInSeconds: 60, ${onFailure(throttleFailures.arn)} } }`,
        `dead-letter: { url: "${failing.url}", eventInvokeConfig: { MaximumRetryAttempts: 0 }, deadLetterConfig: { TargetArn: "${deadLetters.arn}" } }`,
        `late-destination: { url: "${failing.url}", eventInvokeConfig: { MaximumRetryAttempts: 0, ${onFailure(lateQueueArn)} } }`,
        `reserved-zero: { url: "${ok.url}", reservedConcurrency: 0, eventInvokeConfig: { ${onFailure(zeroFailures.arn)} } }`,
      ]),
    });
    lambda = lambdaClientFor(service.url);
  });

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
    await Promise.all([ok, failing, throttling].map((target) => target?.close()));
    clients.destroy();
  });

  const requestsFor = (target: RecordingTarget, test: string) => target.requests.filter((request) => (request.event as { test?: string })?.test === test);

  it('answers 202 with an empty body and the request id, then delivers the event once', async () => {
    const event = { test: 'delivered', n: 1 };
    const { status, requestId, payload } = await invokeEvent(lambda, 'recorder', event);

    expect(status).toBe(202);
    expect(payload).toBe(0);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [request] = await waitFor(() => (requestsFor(ok, 'delivered').length > 0 ? requestsFor(ok, 'delivered') : undefined), { message: 'event not delivered' });
    expect(request!.event).toEqual(event);
    expect(request!.headers['x-amz-request-id']).toBe(requestId);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^esm_async_events_received_total\{function="recorder"\} [1-9]/m);
    expect(requestsFor(ok, 'delivered')).toHaveLength(1);
  });

  it('retries a function error exactly MaximumRetryAttempts (2) times after the scaled 1 and 2 minutes, then sends RetriesExhausted to SQS', async () => {
    const event = { test: 'retries', order: 42 };
    const { requestId } = await invokeEvent(lambda, 'failing-sqs', event);

    const record = JSON.parse((await receiveMessage(clients, failures.url)).Body!) as Record<string, unknown>;

    const attempts = requestsFor(failing, 'retries');
    expect(attempts).toHaveLength(3);
    expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(60_000 * TEST_TIME_SCALE - 10);
    expect(attempts[2]!.receivedAt - attempts[1]!.receivedAt).toBeGreaterThanOrEqual(120_000 * TEST_TIME_SCALE - 10);
    expect(attempts.every((attempt) => attempt.headers['x-amz-request-id'] === requestId)).toBe(true);
    expect(Object.keys(record)).toEqual(RECORD_KEYS);
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestContext: { requestId, functionArn: `${arnOf('failing-sqs')}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: ERROR_OBJECT,
    });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^esm_async_events_dropped_total\{function="failing-sqs",condition="RetriesExhausted"\} 1$/m);
  });

  it('with MaximumRetryAttempts 0 invokes once and publishes the record to SNS', async () => {
    const event = { test: 'sns' };
    const { requestId } = await invokeEvent(lambda, 'failing-sns', event);

    const envelope = JSON.parse((await receiveMessage(clients, topicQueue.url)).Body!) as { Type: string; Message: string };

    expect(envelope.Type).toBe('Notification');
    expect(JSON.parse(envelope.Message)).toMatchObject({
      requestContext: { requestId, functionArn: `${arnOf('failing-sns')}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      requestPayload: event,
      responsePayload: ERROR_OBJECT,
    });
    expect(requestsFor(failing, 'sns')).toHaveLength(1);
  });

  it('writes the failure record to S3 under aws/lambda/async/<function>/YYYY/MM/DD/…', async () => {
    const event = { test: 's3' };
    const { requestId } = await invokeEvent(lambda, 'failing-s3', event);

    const key = await waitFor(
      async () => (await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'aws/lambda/async/' }))).Contents?.[0]?.Key,
      { message: 'no S3 object' },
    );
    expect(key).toMatch(/^aws\/lambda\/async\/failing-s3\/\d{4}\/\d\d\/\d\d\/\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d-[0-9a-f-]{36}$/);
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const record = JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(RECORD_KEYS);
    expect(record).toMatchObject({
      requestContext: { requestId, condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    });
  });

  it('sends a Success record to the on-success destination, and to a function destination as its event', async () => {
    const event = { test: 'success' };
    const { requestId } = await invokeEvent(lambda, 'succeeding', event);

    const record = JSON.parse((await receiveMessage(clients, successes.url)).Body!) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(RECORD_KEYS);
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.any(String),
      requestContext: { requestId, functionArn: `${arnOf('succeeding')}:$LATEST`, condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { ok: true },
    });

    const chained = await invokeEvent(lambda, 'chained', { test: 'chained' });
    const forwarded = await waitFor(
      () => ok.requests.find((request) => (request.event as { requestContext?: { requestId?: string } }).requestContext?.requestId === chained.requestId),
      { message: 'the record never reached the destination function' },
    );
    expect(forwarded.event).toMatchObject({ requestContext: { condition: 'Success', functionArn: `${arnOf('chained')}:$LATEST` }, requestPayload: { test: 'chained' } });
  });

  it('retries throttles with backoff until MaximumEventAgeInSeconds, then sends EventAgeExceeded', async () => {
    const event = { test: 'throttled' };
    const { requestId } = await invokeEvent(lambda, 'throttled', event);

    const record = JSON.parse((await receiveMessage(clients, throttleFailures.url)).Body!) as Record<string, unknown>;

    const attempts = requestsFor(throttling, 'throttled');
    // Backoff from 1 s (10 ms scaled), doubling: a few attempts within the 600 ms age, not a hot loop.
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.length).toBeLessThanOrEqual(12);
    const gaps = attempts.slice(1).map((attempt, index) => attempt.receivedAt - attempts[index]!.receivedAt);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(2 * 1_000 * TEST_TIME_SCALE);
    // No attempt after the maximum age (600 ms here); the margin is for a request started just before it.
    expect(attempts.at(-1)!.receivedAt - attempts[0]!.receivedAt).toBeLessThanOrEqual(60_000 * TEST_TIME_SCALE + 500);
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.any(String),
      requestContext: { requestId, functionArn: `${arnOf('throttled')}:$LATEST`, condition: 'EventAgeExceeded', approximateInvokeCount: 0 },
      requestPayload: event,
    });
  });

  it('sends the event of a failed invocation to the dead-letter queue with RequestID, ErrorCode and ErrorMessage', async () => {
    const event = { test: 'dead-letter', n: 7 };
    const { requestId } = await invokeEvent(lambda, 'dead-letter', event);

    const message = await receiveMessage(clients, deadLetters.url);

    expect(JSON.parse(message.Body!)).toEqual(event);
    expect(message.MessageAttributes).toEqual({
      RequestID: { DataType: 'String', StringValue: requestId },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: ERROR_OBJECT.errorMessage },
    });
  });

  it('sends events of a function with reserved concurrency 0 to the failure path without invoking it', async () => {
    const event = { test: 'reserved-zero' };
    const { status, requestId } = await invokeEvent(lambda, 'reserved-zero', event);

    const record = JSON.parse((await receiveMessage(clients, zeroFailures.url)).Body!) as Record<string, unknown>;

    expect(status).toBe(202);
    expect(record).toMatchObject({ requestContext: { requestId, condition: 'RetriesExhausted', approximateInvokeCount: 0 }, requestPayload: event });
    expect(requestsFor(ok, 'reserved-zero')).toHaveLength(0);
  });

  it('keeps a record whose destination is unreachable and delivers it once the destination exists', async () => {
    const { requestId } = await invokeEvent(lambda, 'late-destination', { test: 'late' });
    await waitFor(
      async () => /^esm_destination_delivery_failures_total\{mapping="",function="late-destination",source="async"\} [1-9]/m.test(await (await fetch(`${service.url}/metrics`)).text()),
      { message: 'no failed delivery attempt counted' },
    );

    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: lateQueueName }));
    const record = JSON.parse((await receiveMessage(clients, QueueUrl!, 30_000)).Body!) as Record<string, unknown>;

    expect(record).toMatchObject({ requestContext: { requestId, condition: 'RetriesExhausted' }, requestPayload: { test: 'late' } });
  });

  it('refuses an Event payload over 1 MB with RequestEntityTooLargeException', async () => {
    const payload = Buffer.from(JSON.stringify({ data: 'x'.repeat(1_048_576) }));
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'recorder', InvocationType: 'Event', Payload: payload })).catch((err: unknown) => err);

    expect((error as RequestTooLargeException).$metadata.httpStatusCode).toBe(413);
    expect((error as Error).name).toBe('RequestEntityTooLargeException');
    expect((error as Error).message).toBe(`${payload.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`);
  });
});
