import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InvokeCommand, LambdaClient, ResourceNotFoundException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { startService, type RunningService } from '../../harness/service-process.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { waitFor } from '../../harness/wait-for.js';

const servers = inject('servers');
const decode = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));

describe('Lambda Invoke API served by esm-poller', () => {
  let service: RunningService;
  let lambda: LambdaClient;

  beforeAll(async () => {
    service = await startService({
      servers,
      config: [
        'functions:',
        `  echo: { handler: "${fixtureHandler('echo.mjs')}" }`,
        `  fails: { handler: "${fixtureHandler('throw.mjs')}" }`,
        `  spins: { handler: "${fixtureHandler('spin.mjs')}", timeout: 1 }`,
        `  single: { handler: "${fixtureHandler('slow.mjs')}", reservedConcurrency: 1, timeout: 10 }`,
      ].join('\n'),
    });
    lambda = new LambdaClient({ endpoint: service.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
  });

  it('returns the function result with status 200 and the executed version', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ hello: 'world' })) }));
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(response.ExecutedVersion).toBe('$LATEST');
    expect(decode(response.Payload)).toEqual({ hello: 'world' });
  });

  it('accepts a full ARN and the $LATEST qualifier', async () => {
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo', Qualifier: '$LATEST', Payload: Buffer.from('[1,2]') }),
    );
    expect(decode(response.Payload)).toEqual([1, 2]);
  });

  it('reports a thrown error as a function error with 200, X-Amz-Function-Error and the error object', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'fails', Payload: Buffer.from('{}') }));
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    const error = decode(response.Payload);
    expect(typeof error.errorType).toBe('string');
    expect(typeof error.errorMessage).toBe('string');
    expect(Array.isArray(error.stackTrace)).toBe(true);
  });

  it('reports a timeout as a function error with Lambda timeout message', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'spins', Payload: Buffer.from('{}') }));
    expect(response.FunctionError).toBe('Unhandled');
    expect(decode(response.Payload).errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
  });

  it('answers 404 ResourceNotFoundException for an unknown function', async () => {
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'nope', Payload: Buffer.from('{}') })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    expect((error as Error).message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope');
  });

  it('answers 429 TooManyRequestsException past reservedConcurrency', async () => {
    const first = lambda.send(new InvokeCommand({ FunctionName: 'single', Payload: Buffer.from(JSON.stringify({ delayMs: 1500 })) }));
    // The first invocation is running once the function's concurrency gauge says so.
    await waitForMetric(service.url, 'esm_function_concurrent_executions{function="single"} 1');
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'single', Payload: Buffer.from('{}') })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect((error as TooManyRequestsException).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect((error as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
    expect((await first).StatusCode).toBe(200);
  });

  it('answers 413 RequestEntityTooLargeException past 6 MB', async () => {
    const big = JSON.stringify({ data: 'x'.repeat(6_291_456) });
    const response = await fetch(`${service.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: big });
    expect(response.status).toBe(413);
    expect(response.headers.get('x-amzn-errortype')).toBe('RequestEntityTooLargeException');
    expect(await response.json()).toEqual({ Type: 'User', message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' });
  });

  it('answers DryRun with 204 without running the function', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun', Payload: Buffer.from('{}') }));
    expect(response.StatusCode).toBe(204);
  });

  it('rejects a body that is not JSON with InvalidRequestContentException', async () => {
    const response = await fetch(`${service.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{not json' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect((await response.json()).message).toMatch(/^Could not parse request body into json: /);
  });

  it('answers a request target it cannot parse or percent-decode with 400, and keeps serving', async () => {
    const unparsable = await rawRequest(service.url, 'POST http://[/2015-03-31/functions/echo/invocations HTTP/1.1');
    expect(unparsable.status).toBe(400);
    expect(unparsable.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    const undecodable = await rawRequest(service.url, 'POST /2015-03-31/functions/%E0%A4%A/invocations HTTP/1.1');
    expect(undecodable.status).toBe(400);
    expect(undecodable.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"still":"up"}') }));
    expect(decode(response.Payload)).toEqual({ still: 'up' });
  });

  it('finishes an invocation whose client disconnected and frees its concurrency', async () => {
    const { port } = new URL(service.url);
    const body = JSON.stringify({ delayMs: 1_000 });
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write(`POST /2015-03-31/functions/single/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    );
    socket.on('error', () => undefined);
    await waitForMetric(service.url, 'esm_function_concurrent_executions{function="single"} 1');
    socket.destroy();
    await waitForMetric(service.url, 'esm_function_concurrent_executions{function="single"} 0');
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'single', Payload: Buffer.from(JSON.stringify({ delayMs: 0 })) }));
    expect(decode(response.Payload)).toEqual({ delayMs: 0 });
  });

  it('refuses a body that is not UTF-8 rather than altering it', async () => {
    const response = await fetch(`${service.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: Buffer.from([0x22, 0xff, 0xfe, 0x22]) });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect((await response.json()).message).toMatch(/^Could not parse request body into json: /);
  });

  it('passes JSON null, numbers and strings through, by name or by percent-encoded qualified ARN', async () => {
    const arn = encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST');
    for (const payload of ['null', '42', '"text \u00e9"']) {
      const response = await fetch(`${service.url}/2015-03-31/functions/${arn}/invocations`, { method: 'POST', body: payload });
      expect(response.status).toBe(200);
      expect(JSON.parse(await response.text())).toEqual(JSON.parse(payload));
    }
  });

  it('serves /healthz, /readyz and Prometheus /metrics with invocation counts', async () => {
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, redis: true, pollersStarted: true });
    const metrics = await fetch(`${service.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^esm_function_invocations_total\{function="echo",outcome="success"\} [1-9]/m);
    expect(text).toMatch(/^esm_function_invocations_total\{function="fails",outcome="function_error"\} [1-9]/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });
});

/** Sends one request line (with a `{}` body) over a raw socket, for targets `fetch` refuses to send. */
async function rawRequest(url: string, requestLine: string): Promise<{ status: number; headers: Record<string, string> }> {
  const { port } = new URL(url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.end(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  const [head = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

async function waitForMetric(url: string, line: string): Promise<void> {
  await waitFor(async () => (await (await fetch(`${url}/metrics`)).text()).split('\n').includes(line), {
    message: `metric line never appeared: ${line}`,
  });
}
