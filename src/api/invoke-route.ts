import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';
import { readBody, sendError } from './http-server.js';
import type { FunctionRegistry } from '../functions/function-registry.js';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../batch/invoke-payload-limit.js';
import type { InvokeOutcome } from '../functions/invoker.js';

/** Queues asynchronous invocations (InvocationType Event). */
export interface AsyncEventQueue {
  /** Resolves with the request id once the event is durably queued. */
  enqueue(functionName: string, payload: string): Promise<string>;
}

/** Lambda's payload limit of an Event invocation: 1 MB (spec §6.1). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;
/** `X-Amz-Client-Context` limit: 3,583 bytes of base64 (spec §6.4). */
export const MAX_CLIENT_CONTEXT_BYTES = 3_583;
/** `X-Amz-Log-Result` carries the last 4 KB of the invocation's log (spec §6.4). */
export const MAX_LOG_RESULT_BYTES = 4_096;
const LOG_TYPES = new Set(['None', 'Tail']);

/** `POST /2015-03-31/functions/{FunctionName}/invocations` — Lambda's Invoke, for the configured functions. */
export const INVOKE_PATH = '/2015-03-31/functions/{FunctionName}/invocations';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const INVOCATION_TYPES = new Set(['RequestResponse', 'Event', 'DryRun']);

/**
 * Lambda's Invoke API (spec §6.4): RequestResponse, Event and DryRun. A function error is a 200 with
 * `X-Amz-Function-Error: Unhandled` and the error object; throttles are 429 TooManyRequestsException. An Event
 * invocation answers 202 with an empty body once the event is durably queued.
 */
export function invokeRoute(functions: FunctionRegistry, asyncEvents: AsyncEventQueue) {
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
    const logType = headerOf(request, 'x-amz-log-type') ?? 'None';
    if (!LOG_TYPES.has(logType)) {
      throw new ApiError(
        'InvalidParameterValueException',
        `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`,
      );
    }
    const clientContext = clientContextOf(headerOf(request, 'x-amz-client-context'));
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
    if (invocationType === 'Event' && body.length > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new ApiError(
        'RequestEntityTooLargeException',
        `${body.length} byte payload is too large for the Event invocation type (limit ${MAX_ASYNC_PAYLOAD_BYTES} bytes)`,
      );
    }
    if (invocationType === 'DryRun') {
      response.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
      response.end();
      return;
    }
    if (invocationType === 'Event') {
      const requestId = await asyncEvents.enqueue(fn.name, payload);
      response.writeHead(202, { 'x-amzn-RequestId': requestId, 'content-length': 0 });
      response.end();
      return;
    }
    // Tail applies to synchronous invocations only (spec §6.4).
    const outcome = await fn.invoke(payload, { ...(logType === 'Tail' ? { logType: 'Tail' as const } : {}), ...(clientContext ? { clientContext } : {}) });
    sendOutcome(response, outcome);
  };
}

function sendOutcome(response: ServerResponse, outcome: InvokeOutcome): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-RequestId': outcome.requestId,
    'X-Amz-Executed-Version': outcome.executedVersion,
    ...(outcome.log !== undefined ? { 'X-Amz-Log-Result': logResultOf(outcome.log) } : {}),
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

/** The last {@link MAX_LOG_RESULT_BYTES} of the log, base64, never starting inside a UTF-8 character. */
export function logResultOf(log: string): string {
  const bytes = Buffer.from(log, 'utf8');
  let start = Math.max(0, bytes.length - MAX_LOG_RESULT_BYTES);
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('base64');
}

/**
 * The decoded `X-Amz-Client-Context`: at most {@link MAX_CLIENT_CONTEXT_BYTES} of base64 encoding a JSON object.
 * Module handlers see it as `context.clientContext`.
 */
function clientContextOf(header: string | undefined): Record<string, unknown> | undefined {
  if (header === undefined || header === '') return undefined;
  if (Buffer.byteLength(header) > MAX_CLIENT_CONTEXT_BYTES) {
    throw new ApiError(
      'InvalidParameterValueException',
      `1 validation error detected: Value at 'clientContext' failed to satisfy constraint: Member must have length less than or equal to ${MAX_CLIENT_CONTEXT_BYTES}`,
    );
  }
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(header)) throw new Error('not base64');
    parsed = JSON.parse(UTF8.decode(Buffer.from(header, 'base64')));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
