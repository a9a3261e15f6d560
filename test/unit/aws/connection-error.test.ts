import { describe, expect, it } from 'vitest';
import { isConnectionError } from '../../../src/aws/connection-error.js';

/** An error as Node's sockets raise it. */
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code });

/** An error as the SDK raises it for an answer with an HTTP status. */
const answered = (name: string, httpStatusCode: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

describe('isConnectionError', () => {
  it.each([
    ['connection refused', socketError('ECONNREFUSED'), true],
    ['connection reset', socketError('ECONNRESET'), true],
    ['connect timed out', socketError('ETIMEDOUT'), true],
    ['host not found', socketError('ENOTFOUND'), true],
    ['the HTTP handler timed out', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), true],
    ['a service error', answered('InternalFailure', 500), false],
    ['a throttle', answered('ThrottlingException', 400), false],
    ['an error with another code', Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }), false],
    ['not an error', { code: 'ECONNREFUSED' }, false],
  ])('%s', (_what, err, expected) => {
    expect(isConnectionError(err)).toBe(expected);
  });
});
