import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaInvoker } from '../../../src/functions/lambda-invoker.js';
import { AwsClientFactory } from '../../../src/aws/client-factory.js';
import type { FunctionDefinition } from '../../../src/functions/function-definition.js';
import { captureLogger } from './invoker-fixture.js';
import { uniqueName } from '../../harness/unique-name.js';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations(?:\?(.*))?$/;

interface SeenInvoke {
  readonly functionName: string;
  readonly qualifier: string | null;
  readonly invocationType: string | undefined;
  readonly body: string;
}

/** A tiny server speaking Lambda's Invoke wire format, one function name per behaviour. */
function startLambda(seen: SeenInvoke[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = INVOKE_PATH.exec(request.url ?? '');
      if (request.method !== 'POST' || !match) {
        response.writeHead(404, { 'x-amzn-ErrorType': 'UnknownOperationException' });
        response.end('{}');
        return;
      }
      const functionName = decodeURIComponent(match[1]!);
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        functionName,
        qualifier: new URLSearchParams(match[2] ?? '').get('Qualifier'),
        invocationType: request.headers['x-amz-invocation-type'] as string | undefined,
        body,
      });
      const name = functionName.split(':').at(-1);
      switch (name) {
        case 'echo':
          response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': 'remote-request-1', 'X-Amz-Executed-Version': '3' });
          response.end(body);
          return;
        case 'fails':
          response.writeHead(200, { 'content-type': 'application/json', 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST' });
          response.end('{"errorType":"CustomError","errorMessage":"bad record","trace":[]}');
          return;
        case 'remote-timeout':
          response.writeHead(200, { 'content-type': 'application/json', 'X-Amz-Function-Error': 'Unhandled' });
          response.end('{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: r Error: Task timed out after 1.00 seconds"}');
          return;
        case 'busy':
          response.writeHead(429, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'TooManyRequestsException' });
          response.end('{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}');
          return;
        case 'broken':
          response.writeHead(500, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'ServiceException' });
          response.end('{"Type":"Service","message":"internal failure"}');
          return;
        case 'slow':
          return;
        default:
          response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException' });
          response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('LambdaInvoker against Lambda\'s Invoke wire format', () => {
  const seen: SeenInvoke[] = [];
  const invokers: LambdaInvoker[] = [];
  let server: Server;
  let aws: AwsClientFactory;

  const invokerFor = (arn: string, timeoutSeconds = 3): LambdaInvoker => {
    const definition: FunctionDefinition = { name: uniqueName('arn-fn'), target: { type: 'arn', arn }, timeoutSeconds, memorySizeMb: 128 };
    const invoker = new LambdaInvoker(definition, { aws, logger: captureLogger().logger });
    invokers.push(invoker);
    return invoker;
  };

  beforeAll(async () => {
    // The SDK's default credential chain reads the environment; the fake endpoint accepts any signature.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    server = await startLambda(seen);
    aws = new AwsClientFactory({ AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });

  afterAll(async () => {
    await Promise.all(invokers.map((invoker) => invoker.close()));
    aws?.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    vi.unstubAllEnvs();
  });

  it('invokes RequestResponse and returns the payload, executed version and request id of the answer', async () => {
    const outcome = await invokerFor('arn:aws:lambda:us-east-1:000000000000:function:echo').invoke('{"n":1}');
    expect(outcome).toMatchObject({ kind: 'success', payload: '{"n":1}', executedVersion: '3', requestId: 'remote-request-1' });
    expect(seen.at(-1)).toMatchObject({
      functionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
      qualifier: null,
      invocationType: 'RequestResponse',
      body: '{"n":1}',
    });
  });

  it('passes the qualifier of a qualified ARN as Qualifier', async () => {
    const outcome = await invokerFor('arn:aws:lambda:us-east-1:000000000000:function:echo:live').invoke('{}');
    expect(outcome.kind).toBe('success');
    expect(seen.at(-1)).toMatchObject({ functionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo', qualifier: 'live' });
  });

  it('reads FunctionError as a function error with the payload as the error object', async () => {
    const outcome = await invokerFor('arn:aws:lambda:us-east-1:000000000000:function:fails').invoke('{}');
    expect(outcome).toMatchObject({
      kind: 'function_error',
      errorType: 'CustomError',
      errorMessage: 'bad record',
      payload: '{"errorType":"CustomError","errorMessage":"bad record","trace":[]}',
    });
    const timedOut = await invokerFor('arn:aws:lambda:us-east-1:000000000000:function:remote-timeout').invoke('{}');
    expect(timedOut).toMatchObject({ kind: 'timed_out', errorType: 'Sandbox.Timedout' });
  });

  it('reads TooManyRequestsException as a throttle with its Reason, asking once', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:busy';
    const outcome = await invokerFor(arn).invoke('{}');
    expect(outcome).toMatchObject({ kind: 'throttled', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    expect(seen.filter((entry) => entry.functionName === arn)).toHaveLength(1);
  });

  it('does not repeat an invocation the service failed with a 5xx', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:broken';
    const outcome = await invokerFor(arn).invoke('{}');
    expect(outcome.kind === 'invoke_error' && outcome.error.name).toBe('ServiceException');
    expect(seen.filter((entry) => entry.functionName === arn)).toHaveLength(1);
  });

  it('reads any other API error as an invoke error that keeps the SDK error', async () => {
    const outcome = await invokerFor('arn:aws:lambda:us-east-1:000000000000:function:missing').invoke('{}');
    expect(outcome.kind).toBe('invoke_error');
    expect(outcome.kind === 'invoke_error' && outcome.error.name).toBe('ResourceNotFoundException');
    expect(outcome.kind === 'invoke_error' && outcome.error.message).toContain('Function not found');
  });

  it('gives up after the function timeout plus a margin and reports a timeout', async () => {
    const requestId = 'local-request-1';
    const outcome = await invokerFor('arn:aws:lambda:us-east-1:000000000000:function:slow', 1).invoke('{}', { requestId });
    expect(outcome).toMatchObject({
      kind: 'timed_out',
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after 1.00 seconds`,
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1_000);
  });
});
