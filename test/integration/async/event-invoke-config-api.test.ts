import {
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { lambdaClientFor } from '../../harness/lambda-client.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { asyncServiceConfig, createQueue, invokeEvent, receiveMessage, type TestQueue } from './async-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

/** The error a call rejects with: name, HTTP status and message. */
async function failureOf(call: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  const err = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { $metadata?: { httpStatusCode?: number } }) | undefined;
  if (!err) throw new Error('expected the call to fail');
  return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
}

describe('event invoke config API (PutFunctionEventInvokeConfig and friends)', () => {
  let service: RunningService;
  let lambda: LambdaClient;
  let target: RecordingTarget;
  let queue: TestQueue;

  beforeAll(async () => {
    target = await startRecordingTarget(() => ({ body: { errorMessage: 'no' }, headers: { 'X-Amz-Function-Error': 'Unhandled' } }));
    queue = await createQueue(clients, 't-aapi');
    service = await startService({
      servers,
      config: asyncServiceConfig([
        `configured: { url: "${target.url}" }`,
        `from-file: { url: "${target.url}", eventInvokeConfig: { MaximumRetryAttempts: 1 } }`,
        `other: { url: "${target.url}" }`,
      ]),
    });
    lambda = lambdaClientFor(service.url);
  });

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
    await target?.close();
    clients.destroy();
  });

  it('puts, gets, merges, lists and deletes a config with AWS fields', async () => {
    const put = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'configured', MaximumRetryAttempts: 1 }));
    expect(put).toMatchObject({
      $metadata: { httpStatusCode: 200 },
      FunctionArn: `${ARN}:configured:$LATEST`,
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnSuccess: {}, OnFailure: {} },
    });
    expect(put.MaximumEventAgeInSeconds).toBeUndefined();
    expect(put.LastModified).toBeInstanceOf(Date);

    const updated = await lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({ FunctionName: `${ARN}:configured`, MaximumEventAgeInSeconds: 120, DestinationConfig: { OnFailure: { Destination: queue.arn } } }),
    );
    expect(updated).toMatchObject({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 120, DestinationConfig: { OnFailure: { Destination: queue.arn } } });

    const got = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'configured', Qualifier: '$LATEST' }));
    expect(got).toMatchObject({ FunctionArn: `${ARN}:configured:$LATEST`, MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 120 });
    const listed = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'configured' }));
    expect(listed.FunctionEventInvokeConfigs).toHaveLength(1);

    // Put replaces: the settings left out are gone.
    const replaced = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'configured', MaximumEventAgeInSeconds: 60 }));
    expect(replaced.MaximumRetryAttempts).toBeUndefined();
    expect(replaced.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: {} });

    const deleted = await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'configured' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await failureOf(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'configured' })))).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: `The function ${ARN}:configured:$LATEST doesn't have an EventInvokeConfig`,
    });
    expect((await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'configured' }))).FunctionEventInvokeConfigs).toEqual([]);
  });

  it('applies a config set through the API to the next event', async () => {
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'other', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: queue.arn } } }));
    const { requestId } = await invokeEvent(lambda, 'other', { test: 'api-config' });

    const record = JSON.parse((await receiveMessage(clients, queue.url)).Body!) as { requestContext: Record<string, unknown> };

    expect(record.requestContext).toMatchObject({ requestId, condition: 'RetriesExhausted', approximateInvokeCount: 1 });
  });

  it('serves the settings of the configuration file', async () => {
    const got = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'from-file' }));
    expect(got).toMatchObject({ FunctionArn: `${ARN}:from-file:$LATEST`, MaximumRetryAttempts: 1 });
  });

  it('answers with AWS errors', async () => {
    expect(await failureOf(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'configured' })))).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message: 'You must specify at least one of error handling or destination setting.',
    });
    expect(await failureOf(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'missing', MaximumRetryAttempts: 1 })))).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: "The function doesn't exist.",
    });
    expect(
      await failureOf(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'configured', DestinationConfig: { OnSuccess: { Destination: `${ARN}:configured` } } }))),
    ).toEqual({ name: 'InvalidParameterValueException', status: 400, message: "You can't specify the function as a destination for itself." });
    expect(
      await failureOf(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'configured', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:s3:::bucket' } } }))),
    ).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message: 'The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::bucket), onFailure=null) is invalid.',
    });
    expect(await failureOf(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: `${ARN}:configured:$LATEST`, Qualifier: 'live', MaximumRetryAttempts: 1 })))).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message: 'The derived qualifier from the function name does not match the specified qualifier.',
    });
    expect(await failureOf(lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'other', MaximumRetryAttempts: 5 })))).toMatchObject({
      status: 400,
      message: "1 validation error detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    });
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'other' }));
    expect(await failureOf(lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'other', MaximumRetryAttempts: 1 })))).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: `The function ${ARN}:other:$LATEST doesn't have an EventInvokeConfig`,
    });
    expect(await failureOf(lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'other' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });
});
