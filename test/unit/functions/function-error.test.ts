import { describe, expect, it } from 'vitest';
import {
  MAX_RESPONSE_PAYLOAD_BYTES,
  errorObjectOf,
  exitErrorObject,
  functionErrorOutcome,
  handlerNotFoundErrorObject,
  httpErrorObject,
  importErrorObject,
  outOfMemoryErrorObject,
  parseErrorPayload,
  responseTooLargeErrorObject,
  timeoutErrorObject,
  timeoutMessage,
  unhandledRejectionErrorObject,
} from '../../../src/functions/function-error.js';

const REQUEST_ID = '7f8e1f3a-0000-4000-8000-000000000001';
const BASE = { requestId: REQUEST_ID, durationMs: 12, executedVersion: '$LATEST' };

class CustomError extends Error {
  override readonly name = 'CustomError';
}

describe('errorObjectOf (the Node.js runtime error shape)', () => {
  it('gives an Error its name, message and stack lines under `trace`', () => {
    const error = new CustomError('Handler fails');
    const object = errorObjectOf(error);
    expect(object.errorType).toBe('CustomError');
    expect(object.errorMessage).toBe('Handler fails');
    expect(object.trace).toEqual(error.stack!.split('\n'));
    expect(object.trace![0]).toBe('CustomError: Handler fails');
    expect(Object.keys(object)).toEqual(['errorType', 'errorMessage', 'trace', 'stackTrace']);
    expect(object.stackTrace).toEqual(object.trace);
  });

  it('names an error without a name `Error` and builds a trace when there is no stack', () => {
    const error = new Error('no stack');
    error.name = '';
    error.stack = undefined;
    expect(errorObjectOf(error)).toEqual({ errorType: 'Error', errorMessage: 'no stack', trace: ['Error: no stack'], stackTrace: ['Error: no stack'] });
  });

  it('reads an error-like object that crossed a realm (not instanceof Error)', () => {
    const foreign = { name: 'TypeError', message: 'x is not a function', stack: 'TypeError: x is not a function\n    at h (a.js:1:1)' };
    expect(errorObjectOf(foreign)).toEqual({
      errorType: 'TypeError',
      errorMessage: 'x is not a function',
      trace: ['TypeError: x is not a function', '    at h (a.js:1:1)'],
      stackTrace: ['TypeError: x is not a function', '    at h (a.js:1:1)'],
    });
  });

  it('wraps a thrown non-Error value as the runtime does: its type, its text, no trace', () => {
    expect(errorObjectOf('plain')).toEqual({ errorType: 'string', errorMessage: 'plain', trace: [], stackTrace: [] });
    expect(errorObjectOf(42)).toEqual({ errorType: 'number', errorMessage: '42', trace: [], stackTrace: [] });
    expect(errorObjectOf(undefined)).toEqual({ errorType: 'undefined', errorMessage: 'undefined', trace: [], stackTrace: [] });
    expect(errorObjectOf(null)).toEqual({ errorType: 'object', errorMessage: 'null', trace: [], stackTrace: [] });
    expect(errorObjectOf({ code: 7 })).toEqual({ errorType: 'object', errorMessage: '[object Object]', trace: [], stackTrace: [] });
  });

  it('survives a value whose string conversion throws', () => {
    const hostile = { toString: () => { throw new Error('no'); } };
    expect(errorObjectOf(hostile)).toEqual({ errorType: 'object', errorMessage: '[object Object]', trace: [], stackTrace: [] });
  });
});

describe('platform error objects', () => {
  it('prints the timeout with two decimals, as Lambda does', () => {
    expect(timeoutMessage(REQUEST_ID, 3)).toBe(`RequestId: ${REQUEST_ID} Error: Task timed out after 3.00 seconds`);
    expect(timeoutMessage(REQUEST_ID, 900)).toBe(`RequestId: ${REQUEST_ID} Error: Task timed out after 900.00 seconds`);
    expect(timeoutMessage(REQUEST_ID, 1.5)).toBe(`RequestId: ${REQUEST_ID} Error: Task timed out after 1.50 seconds`);
    expect(timeoutMessage(REQUEST_ID, 10.004)).toBe(`RequestId: ${REQUEST_ID} Error: Task timed out after 10.00 seconds`);
    expect(timeoutErrorObject(REQUEST_ID, 1)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${REQUEST_ID} Error: Task timed out after 1.00 seconds`,
    });
  });

  it('reports a runtime exit with its status and an out-of-memory kill with its signal', () => {
    expect(exitErrorObject(REQUEST_ID, 1)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${REQUEST_ID} Error: Runtime exited with error: exit status 1`,
    });
    expect(outOfMemoryErrorObject(REQUEST_ID)).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${REQUEST_ID} Error: Runtime exited with error: signal: killed`,
    });
  });

  it('states the response size limit in Lambda words', () => {
    expect(MAX_RESPONSE_PAYLOAD_BYTES).toBe(6_291_556);
    expect(responseTooLargeErrorObject()).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('names an HTTP failure with its status', () => {
    expect(httpErrorObject(502, 'Bad Gateway')).toEqual({ errorType: 'HttpError', errorMessage: 'Function URL answered HTTP 502 Bad Gateway' });
    expect(httpErrorObject(500, '')).toEqual({ errorType: 'HttpError', errorMessage: 'Function URL answered HTTP 500' });
  });
});

describe('init errors', () => {
  it('classifies a syntax error as Runtime.UserCodeSyntaxError', () => {
    const object = importErrorObject(new SyntaxError("Unexpected token ';'"));
    expect(object.errorType).toBe('Runtime.UserCodeSyntaxError');
    expect(object.errorMessage).toBe("SyntaxError: Unexpected token ';'");
  });

  it('classifies a missing module as Runtime.ImportModuleError', () => {
    const missing = Object.assign(new Error("Cannot find module '/var/task/index.mjs'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const object = importErrorObject(missing);
    expect(object.errorType).toBe('Runtime.ImportModuleError');
    expect(object.errorMessage).toBe("Error: Cannot find module '/var/task/index.mjs'");
    const cjsMissing = Object.assign(new Error("Cannot find module 'left-pad'"), { code: 'MODULE_NOT_FOUND' });
    expect(importErrorObject(cjsMissing).errorType).toBe('Runtime.ImportModuleError');
  });

  it('reports what a module threw while initialising as itself', () => {
    expect(importErrorObject(new CustomError('bad config'))).toMatchObject({ errorType: 'CustomError', errorMessage: 'bad config' });
  });

  it('says whether the export is missing or is not a function', () => {
    expect(handlerNotFoundErrorObject('index.handler', undefined)).toEqual({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.handler is undefined or not exported',
      trace: [],
    });
    expect(handlerNotFoundErrorObject('index.handler', 42).errorMessage).toBe('index.handler is not a function');
  });

  it('reports an unhandled rejection with the reason', () => {
    expect(unhandledRejectionErrorObject(new TypeError('late'))).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'TypeError: late',
    });
    expect(unhandledRejectionErrorObject('just text')).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'just text' });
  });
});

describe('parseErrorPayload (error bodies of remote targets)', () => {
  it('keeps a Lambda error object as it came', () => {
    const text = '{"errorType":"CustomError","errorMessage":"boom","trace":["CustomError: boom"]}';
    expect(parseErrorPayload(text)).toEqual({ payload: text, error: { errorType: 'CustomError', errorMessage: 'boom' } });
  });

  it('fills a missing errorType or errorMessage', () => {
    expect(parseErrorPayload('{"errorMessage":"only a message"}').error).toEqual({ errorType: 'Error', errorMessage: 'only a message' });
    expect(parseErrorPayload('{"errorType":"OnlyType"}').error).toEqual({ errorType: 'OnlyType', errorMessage: '' });
  });

  it('wraps any other body like a thrown non-Error value', () => {
    const text = parseErrorPayload('it broke');
    expect(text.error).toEqual({ errorType: 'string', errorMessage: 'it broke', trace: [] });
    expect(JSON.parse(text.payload)).toEqual(text.error);
    expect(parseErrorPayload('"quoted"').error).toMatchObject({ errorType: 'string', errorMessage: 'quoted' });
    expect(parseErrorPayload('{"status":"bad"}').error).toMatchObject({ errorType: 'object', errorMessage: '{"status":"bad"}' });
    expect(parseErrorPayload('[1]').error).toMatchObject({ errorType: 'object', errorMessage: '[1]' });
    expect(parseErrorPayload('').error).toMatchObject({ errorType: 'Unhandled', errorMessage: '' });
  });
});

describe('functionErrorOutcome', () => {
  it('is a function error carrying the error object as its payload', () => {
    const error = errorObjectOf(new CustomError('boom'));
    const outcome = functionErrorOutcome(error, BASE);
    expect(outcome).toMatchObject({ kind: 'function_error', errorType: 'CustomError', errorMessage: 'boom', ...BASE });
    expect(JSON.parse(outcome.payload)).toEqual(error);
  });

  it('is a timeout when the error is Sandbox.Timedout, whoever reported it', () => {
    expect(functionErrorOutcome(timeoutErrorObject(REQUEST_ID, 3), BASE).kind).toBe('timed_out');
  });

  it('keeps a payload given as it is', () => {
    expect(functionErrorOutcome({ errorType: 'E', errorMessage: 'm' }, BASE, '{"errorType":"E","errorMessage":"m","extra":1}').payload).toBe(
      '{"errorType":"E","errorMessage":"m","extra":1}',
    );
  });
});
