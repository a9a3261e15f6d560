/**
 * Why an invocation never reached the function (`invoke_error` outcomes). Function failures are not errors
 * here: they are outcomes carrying Lambda error objects (see function-error.ts).
 */

/** The invoker was closed; no new invocation starts. */
export class InvokerClosedError extends Error {
  override readonly name = 'InvokerClosedError';
  constructor(readonly functionName: string) {
    super(`function ${functionName} is shutting down`);
  }
}

/** The event was not valid JSON (Lambda's InvalidRequestContentException). */
export class InvalidRequestContentError extends Error {
  override readonly name = 'InvalidRequestContentError';
  constructor(detail: string) {
    super(`Could not parse request body into json: ${detail}`);
  }
}

/** The target could not be reached or broke the connection (refused, DNS, reset, TLS). */
export class FunctionUnreachableError extends Error {
  override readonly name = 'FunctionUnreachableError';
  constructor(
    readonly functionName: string,
    readonly target: string,
    override readonly cause: Error,
  ) {
    super(`function ${functionName} could not be reached at ${target}: ${(cause as { code?: string }).code ?? cause.name}: ${cause.message}`);
  }
}

/** Something failed inside the invoker itself; kept as an outcome instead of escaping. */
export class InvokerInternalError extends Error {
  override readonly name = 'InvokerInternalError';
  constructor(
    readonly functionName: string,
    override readonly cause: unknown,
  ) {
    super(`function ${functionName}: invocation failed internally: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
