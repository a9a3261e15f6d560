import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { HttpInvoker } from '../../../src/functions/http-invoker.js';
import type { FunctionDefinition } from '../../../src/functions/function-definition.js';
import { captureLogger } from './invoker-fixture.js';
import { freePort } from '../../harness/free-port.js';
import { uniqueName } from '../../harness/unique-name.js';

interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A function URL with one route per behaviour under test. */
function startTarget(seen: SeenRequest[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      seen.push({ path, headers: request.headers, body });
      switch (path) {
        case '/echo':
          response.writeHead(200, { 'content-type': 'application/json', 'X-Amz-Executed-Version': '7' });
          response.end(body);
          return;
        case '/empty':
          response.writeHead(200);
          response.end();
          return;
        case '/text':
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end('done');
          return;
        case '/function-error':
          response.writeHead(200, { 'content-type': 'application/json', 'X-Amz-Function-Error': 'Unhandled' });
          response.end('{"errorType":"CustomError","errorMessage":"bad record","trace":["CustomError: bad record"]}');
          return;
        case '/function-error-text':
          response.writeHead(200, { 'X-Amz-Function-Error': 'Unhandled' });
          response.end('it broke');
          return;
        case '/throttle':
          response.writeHead(429, { 'content-type': 'application/json' });
          response.end('{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}');
          return;
        case '/throttle-bare':
          response.writeHead(429);
          response.end();
          return;
        case '/boom':
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end('internal failure');
          return;
        case '/huge':
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(`"${'a'.repeat(6_300_000)}"`);
          return;
        case '/slow':
          // Never answers; the invoker's timeout ends the wait.
          return;
        case '/reset':
          request.socket.destroy();
          return;
        default:
          response.writeHead(404);
          response.end();
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('HttpInvoker', () => {
  const seen: SeenRequest[] = [];
  const invokers: HttpInvoker[] = [];
  let server: Server;
  let baseUrl: string;
  let connections = 0;

  const invokerFor = (path: string, timeoutSeconds = 3): HttpInvoker => {
    const definition: FunctionDefinition = { name: uniqueName('url-fn'), target: { type: 'url', url: `${baseUrl}${path}` }, timeoutSeconds, memorySizeMb: 128 };
    const invoker = new HttpInvoker(definition, { logger: captureLogger().logger });
    invokers.push(invoker);
    return invoker;
  };

  beforeAll(async () => {
    server = await startTarget(seen);
    server.on('connection', () => connections++);
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await Promise.all(invokers.map((invoker) => invoker.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs the event as JSON with the request id, and returns the body and executed version', async () => {
    const requestId = randomUUID();
    const outcome = await invokerFor('/echo').invoke('{"Records":[{"n":1}]}', { requestId });
    expect(outcome).toMatchObject({ kind: 'success', payload: '{"Records":[{"n":1}]}', requestId, executedVersion: '7' });
    const request = seen.find((entry) => entry.headers['x-amz-request-id'] === requestId);
    expect(request).toMatchObject({ path: '/echo', body: '{"Records":[{"n":1}]}' });
    expect(request!.headers['content-type']).toBe('application/json');
  });

  it('keeps the connection alive across invocations', async () => {
    const invoker = invokerFor('/echo');
    await invoker.invoke('{}');
    const before = connections;
    for (let i = 0; i < 20; i++) expect((await invoker.invoke(`{"i":${i}}`)).kind).toBe('success');
    expect(connections).toBe(before);
  });

  it('returns null for an empty body and a JSON string for a body that is not JSON', async () => {
    expect(await invokerFor('/empty').invoke('{}')).toMatchObject({ kind: 'success', payload: 'null', executedVersion: '$LATEST' });
    expect(await invokerFor('/text').invoke('{}')).toMatchObject({ kind: 'success', payload: '"done"' });
  });

  it('reads X-Amz-Function-Error as a function error carrying the body', async () => {
    const outcome = await invokerFor('/function-error').invoke('{}');
    expect(outcome).toMatchObject({
      kind: 'function_error',
      errorType: 'CustomError',
      errorMessage: 'bad record',
      payload: '{"errorType":"CustomError","errorMessage":"bad record","trace":["CustomError: bad record"]}',
    });
    const wrapped = await invokerFor('/function-error-text').invoke('{}');
    expect(wrapped).toMatchObject({ kind: 'function_error', errorType: 'string', errorMessage: 'it broke' });
    expect(wrapped.kind === 'function_error' && JSON.parse(wrapped.payload)).toEqual({ errorType: 'string', errorMessage: 'it broke', trace: [] });
  });

  it('reads 429 as a throttle with the Reason of the body', async () => {
    expect(await invokerFor('/throttle').invoke('{}')).toMatchObject({ kind: 'throttled', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    expect(await invokerFor('/throttle-bare').invoke('{}')).toMatchObject({ kind: 'throttled', reason: 'ConcurrentInvocationLimitExceeded' });
  });

  it('reads any other status as a function error HttpError', async () => {
    const outcome = await invokerFor('/boom').invoke('{}');
    expect(outcome).toMatchObject({ kind: 'function_error', errorType: 'HttpError', errorMessage: 'Function URL answered HTTP 500 Internal Server Error' });
  });

  it('fails a body over the 6 MB response limit with Function.ResponseSizeTooLarge', async () => {
    const outcome = await invokerFor('/huge').invoke('{}');
    expect(outcome).toMatchObject({ kind: 'function_error', errorType: 'Function.ResponseSizeTooLarge' });
  });

  it('times out a target that does not answer within the function timeout', async () => {
    const requestId = randomUUID();
    const outcome = await invokerFor('/slow', 1).invoke('{}', { requestId });
    expect(outcome).toMatchObject({
      kind: 'timed_out',
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after 1.00 seconds`,
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1_000);
  });

  it('reports a refused connection and a reset as invoke errors', async () => {
    const port = await freePort();
    const definition: FunctionDefinition = { name: uniqueName('url-fn'), target: { type: 'url', url: `http://127.0.0.1:${port}/` }, timeoutSeconds: 3, memorySizeMb: 128 };
    const closed = new HttpInvoker(definition, { logger: captureLogger().logger });
    invokers.push(closed);
    const refused = await closed.invoke('{}');
    expect(refused.kind).toBe('invoke_error');
    expect(refused.kind === 'invoke_error' && refused.error).toMatchObject({ name: 'FunctionUnreachableError' });
    expect(refused.kind === 'invoke_error' && refused.error.message).toContain('ECONNREFUSED');
    const reset = await invokerFor('/reset').invoke('{}');
    expect(reset.kind).toBe('invoke_error');
  });

  it('refuses new invocations once closed', async () => {
    const invoker = invokerFor('/echo');
    await invoker.close();
    const outcome = await invoker.invoke('{}');
    expect(outcome.kind === 'invoke_error' && outcome.error.name).toBe('InvokerClosedError');
  });
});
