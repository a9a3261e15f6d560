import type { AsyncEvent } from './async-event.js';
import type { AsyncCondition } from './async-retry-policy.js';

/** Record format version AWS writes. */
export const INVOCATION_RECORD_VERSION = '1.0';
/** Dead-letter `ErrorMessage` attributes keep the first 1 KB of the message (AWS). */
export const MAX_DEAD_LETTER_ERROR_MESSAGE_BYTES = 1_024;

/**
 * The invocation record of an asynchronous invocation (spec §6.3), with AWS's key order: version, timestamp,
 * requestContext, requestPayload, responseContext, responsePayload. `functionArn` is qualified (`:$LATEST`).
 * An event that never ran the function (throttled until it expired) has no response parts.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export function buildInvocationRecord(event: AsyncEvent, condition: AsyncCondition, functionArn: string, timestamp: Date): Record<string, unknown> {
  const response = event.lastResponse?.payload !== undefined ? event.lastResponse : undefined;
  return {
    version: INVOCATION_RECORD_VERSION,
    timestamp: timestamp.toISOString(),
    requestContext: {
      requestId: event.requestId,
      functionArn: `${functionArn}:${response?.executedVersion ?? '$LATEST'}`,
      condition,
      approximateInvokeCount: event.invokeCount,
    },
    requestPayload: parseOrText(event.payload),
    ...(response
      ? {
          responseContext: {
            statusCode: response.statusCode,
            executedVersion: response.executedVersion,
            ...(response.functionError ? { functionError: response.functionError } : {}),
          },
          responsePayload: parseOrText(response.payload!),
        }
      : {}),
  };
}

/** SNS's message size limit, bytes: a larger invocation record loses its payload parts (AWS, spec §3.7). */
export const MAX_SNS_RECORD_BYTES = 262_144;

/**
 * The record as JSON text within `maxBytes`: whole when it fits, else without `requestPayload` and
 * `responsePayload`, as Lambda drops the payload parts of records too large for SNS.
 */
export function recordTextWithin(record: Record<string, unknown>, maxBytes: number): string {
  const whole = JSON.stringify(record);
  if (Buffer.byteLength(whole) <= maxBytes) return whole;
  const { requestPayload: _request, responsePayload: _response, ...rest } = record;
  return JSON.stringify(rest);
}

/** The dead-letter message attributes of a failed event: `RequestID`, `ErrorCode` (HTTP status), `ErrorMessage`. */
export function deadLetterAttributes(event: AsyncEvent): Record<string, { type: 'String' | 'Number'; value: string }> {
  const last = event.lastResponse;
  return {
    RequestID: { type: 'String', value: event.requestId },
    ErrorCode: { type: 'Number', value: String(last?.statusCode ?? 200) },
    ErrorMessage: { type: 'String', value: truncateUtf8(last?.errorMessage ?? 'The event was not processed', MAX_DEAD_LETTER_ERROR_MESSAGE_BYTES) },
  };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return new TextDecoder('utf-8').decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, '');
}
