import { describe, expect, it } from 'vitest';
import { newAsyncEvent, type AsyncEvent } from '../../../src/async/async-event.js';
import { buildInvocationRecord, deadLetterAttributes, recordTextWithin } from '../../../src/async/invocation-record.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:my-function';
const time = new Date('2019-11-14T18:16:05.568Z');

describe('invocation record', () => {
  it('has AWS key order, a qualified functionArn, and functionError only after a failure', () => {
    const event: AsyncEvent = {
      ...newAsyncEvent('my-function', 'e4b46cbf', '{"Success":true}', 0),
      invokeCount: 1,
      lastResponse: { statusCode: 200, payload: 'null', executedVersion: '$LATEST' },
    };
    const record = buildInvocationRecord(event, 'Success', ARN, time);
    expect(JSON.stringify(record)).toBe(
      '{"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z","requestContext":{"requestId":"e4b46cbf","functionArn":"arn:aws:lambda:us-east-1:000000000000:function:my-function:$LATEST","condition":"Success","approximateInvokeCount":1},"requestPayload":{"Success":true},"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"responsePayload":null}',
    );
    const failed = buildInvocationRecord(
      { ...event, invokeCount: 3, lastResponse: { statusCode: 200, functionError: 'Unhandled', payload: '{"errorMessage":"x"}', errorMessage: 'x', executedVersion: '$LATEST' } },
      'RetriesExhausted',
      ARN,
      time,
    );
    expect(failed).toMatchObject({ responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' }, responsePayload: { errorMessage: 'x' } });
  });

  it('has no response parts when the function never ran', () => {
    const event: AsyncEvent = { ...newAsyncEvent('f', 'r', '[1]', 0), throttles: 4, lastResponse: { statusCode: 429, errorMessage: 'Rate Exceeded.', executedVersion: '$LATEST' } };
    expect(Object.keys(buildInvocationRecord(event, 'EventAgeExceeded', ARN, time))).toEqual(['version', 'timestamp', 'requestContext', 'requestPayload']);
  });

  it('gives dead-letter attributes: request id, status code, first 1 KB of the message', () => {
    const event: AsyncEvent = {
      ...newAsyncEvent('f', 'req-9', '{}', 0),
      lastResponse: { statusCode: 200, functionError: 'Unhandled', payload: '{}', errorMessage: 'é'.repeat(600), executedVersion: '$LATEST' },
    };
    const attributes = deadLetterAttributes(event);
    expect(attributes.RequestID).toEqual({ type: 'String', value: 'req-9' });
    expect(attributes.ErrorCode).toEqual({ type: 'Number', value: '200' });
    expect(attributes.ErrorMessage!.value).toBe('é'.repeat(512));
  });

  it('drops the payload parts of a record too large for SNS', () => {
    const event: AsyncEvent = { ...newAsyncEvent('f', 'r', JSON.stringify({ big: 'x'.repeat(300_000) }), 0), invokeCount: 1, lastResponse: { statusCode: 200, payload: '"ok"', executedVersion: '$LATEST' } };
    const record = buildInvocationRecord(event, 'Success', ARN, time);
    expect(recordTextWithin(record, 262_144)).toBe(JSON.stringify({ version: '1.0', timestamp: record.timestamp, requestContext: record.requestContext, responseContext: record.responseContext }));
    const small = buildInvocationRecord({ ...event, payload: '{}' }, 'Success', ARN, time);
    expect(recordTextWithin(small, 262_144)).toBe(JSON.stringify(small));
  });
});
