/**
 * Socket error codes that mean the endpoint was not reached, or stopped answering mid-request: nothing of the
 * request was processed for certain, and the endpoint may be back at any moment (a restart, a network blip).
 */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * True for an SDK call that failed without an answer from the endpoint: a socket error (by its `code`), or the
 * connection or request timeout of the HTTP handler (`TimeoutError`). An answer with an HTTP status, however bad,
 * is not one.
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return err.name === 'TimeoutError' && status === undefined;
}
