import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';
import { readBody, sendError } from './http-server.js';
import type { FunctionRegistry } from '../functions/function-registry.js';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../batch/invoke-payload-limit.js';
import type { InvokeOutcome } from '../functions/invoker.js';

/** `POST /2015-03-31/functions/{FunctionName}/invocations` — Lambda's Invoke, for the configured functions. */
export const INVOKE_PATH = '/2015-03-31/functions/{FunctionName}/invocations';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const INVOCATION_TYPES = new Set(['RequestResponse', 'Event', 'DryRun']);

/**
 * Lambda's Invoke API (spec §6.4): RequestResponse and DryRun. A function error is a 200 with
 * `X-Amz-Function-Error: Unhandled` and the error object; throttles are 429 TooManyRequestsException.
 */
export function invokeRoute(functions: FunctionRegistry) {
  return async (request: IncomingMessage, response: ServerResponse, params: Readonly<Record<string, string>>): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const fn = functions.resolve(params.FunctionName!, url.searchParams.get('Qualifier') ?? undefined);
    const invocationType = headerOf(request, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (!INVOCATION_TYPES.has(invocationType)) {
      throw new ApiError(
        'InvalidParameterValueException',
        `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      );
    }
    if (invocationType === 'Event') {
      throw new ApiError('InvalidParameterValueException', 'Asynchronous invocation (InvocationType Event) is not supported by this endpoint.');
    }
    const body = await readBody(
      request,
      MAX_INVOKE_PAYLOAD_BYTES,
      () => new ApiError('RequestEntityTooLargeException', `Request must be smaller than ${MAX_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation`),
    );
    let payload: string;
    try {
      // Fatal decoding: bytes that are not UTF-8 are refused, never silently replaced by U+FFFD.
      payload = body.length === 0 ? '{}' : UTF8.decode(body);
      JSON.parse(payload);
    } catch (err) {
      throw new ApiError('InvalidRequestContentException', `Could not parse request body into json: ${(err as Error).message}`);
    }
    if (invocationType === 'DryRun') {
      response.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
      response.end();
      return;
    }
    const outcome = await fn.invoke(payload);
    sendOutcome(response, outcome);
  };
}

function sendOutcome(response: ServerResponse, outcome: InvokeOutcome): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-RequestId': outcome.requestId,
    'X-Amz-Executed-Version': outcome.executedVersion,
  };
  switch (outcome.kind) {
    case 'success':
      response.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(outcome.payload) });
      response.end(outcome.payload);
      return;
    case 'function_error':
    case 'timed_out':
      response.writeHead(200, { ...headers, 'X-Amz-Function-Error': 'Unhandled', 'content-length': Buffer.byteLength(outcome.payload) });
      response.end(outcome.payload);
      return;
    case 'throttled':
      sendError(response, new ApiError('TooManyRequestsException', 'Rate Exceeded.', { Reason: outcome.reason }));
      return;
    case 'invoke_error':
      sendError(response, new ApiError('ServiceException', `The function could not be invoked: ${outcome.error.message}`));
      return;
  }
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
