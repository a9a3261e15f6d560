import type { LambdaClient } from '@aws-sdk/client-lambda';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Invoker, InvokeOptions, InvokeOutcome } from './invoker.js';
import type { FunctionDefinition } from './function-definition.js';
import { functionErrorOutcome, parseErrorPayload, timeoutErrorObject } from './function-error.js';
import { InvokerClosedError } from './invoke-error.js';
import type { AwsClientFactory } from '../aws/client-factory.js';
import type { Logger } from '../observability/logger.js';
import { once } from '../runtime/lifecycle.js';
import { InFlight } from '../runtime/in-flight.js';
import { withSignal } from '../aws/call-signal.js';
import { lambdaSdk } from '../aws/sdk-packages.js';

/** Extra wait past the function timeout before the client gives up: the platform needs time to report it. */
export const LAMBDA_CLIENT_TIMEOUT_MARGIN_MS = 1_000;
/** Version reported when the response does not say which ran. */
const DEFAULT_EXECUTED_VERSION = '$LATEST';
/** Throttle reason when a TooManyRequestsException carries none. */
const DEFAULT_THROTTLE_REASON = 'ConcurrentInvocationLimitExceeded';
/** `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
const FUNCTION_ARN = /^(arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]+))?$/;

export interface LambdaInvokerOptions {
  readonly aws: AwsClientFactory;
  readonly logger: Logger;
}

/** What an `arn:` target names: the unqualified ARN, its region, and the qualifier (version or alias) if any. */
export interface FunctionArn {
  readonly functionName: string;
  readonly region?: string;
  readonly qualifier?: string;
}

/** Splits a function ARN into the Invoke API's `FunctionName` and `Qualifier`; any other text is a name as is. */
export function parseFunctionArn(arn: string): FunctionArn {
  const match = FUNCTION_ARN.exec(arn);
  if (!match) return { functionName: arn };
  const [, functionName, region, qualifier] = match;
  return { functionName: functionName!, region: region!, ...(qualifier !== undefined ? { qualifier } : {}) };
}

/**
 * Invokes an `arn:` function through Lambda's Invoke API (RequestResponse), with the SDK client of the ARN's
 * region. `FunctionError` = function error (payload = the error object); TooManyRequestsException = throttled;
 * no answer within the function timeout (plus a margin) = timed out; any other failure = invoke error.
 */
export class LambdaInvoker implements Invoker {
  private readonly client: LambdaClient;
  private readonly target: FunctionArn;
  private readonly inFlight = new InFlight<InvokeOutcome>();
  private readonly logger: Logger;
  private closing = false;

  constructor(
    private readonly definition: FunctionDefinition,
    options: LambdaInvokerOptions,
  ) {
    const target = definition.target;
    if (target.type !== 'arn') throw new TypeError(`LambdaInvoker needs an arn target, got ${target.type}`);
    this.target = parseFunctionArn(target.arn);
    this.client = options.aws.lambda(this.target.region);
    this.logger = options.logger;
  }

  invoke(payload: string, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    return this.inFlight.track(this.run(payload, options.requestId ?? randomUUID(), options));
  }

  /** Waits for in-flight invocations; the shared client belongs to the AwsClientFactory. */
  readonly close = once(async (): Promise<void> => {
    this.closing = true;
    await this.inFlight.drain();
  });

  private async run(payload: string, requestId: string, options: InvokeOptions): Promise<InvokeOutcome> {
    const started = performance.now();
    let executedVersion = DEFAULT_EXECUTED_VERSION;
    let answeredRequestId = requestId;
    let log: string | undefined;
    const base = () => ({ requestId: answeredRequestId, durationMs: performance.now() - started, executedVersion, ...(log !== undefined ? { log } : {}) });
    if (this.closing) return { kind: 'invoke_error', error: new InvokerClosedError(this.definition.name), ...base() };
    const timeoutSeconds = this.definition.timeoutSeconds;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutSeconds * 1000 + LAMBDA_CLIENT_TIMEOUT_MARGIN_MS);
    const command = new (lambdaSdk().InvokeCommand)({
      FunctionName: this.target.functionName,
      ...(this.target.qualifier !== undefined ? { Qualifier: this.target.qualifier } : {}),
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(payload, 'utf8'),
      ...(options.logType === 'Tail' ? { LogType: 'Tail' as const } : {}),
      ...(options.clientContext ? { ClientContext: Buffer.from(JSON.stringify(options.clientContext)).toString('base64') } : {}),
    });
    try {
      const response = await this.client.send(withSignal(command, controller.signal));
      executedVersion = response.ExecutedVersion ?? DEFAULT_EXECUTED_VERSION;
      answeredRequestId = response.$metadata.requestId ?? requestId;
      if (response.LogResult !== undefined) log = Buffer.from(response.LogResult, 'base64').toString('utf8');
      const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
      if (response.FunctionError !== undefined) {
        const { payload: errorPayload, error } = parseErrorPayload(text);
        return functionErrorOutcome(error, base(), errorPayload);
      }
      return { kind: 'success', payload: text.trim() === '' ? 'null' : text, ...base() };
    } catch (thrown) {
      const err = thrown;
      const error = err instanceof Error ? err : new Error(String(err));
      const metadataRequestId = (err as { $metadata?: { requestId?: string } }).$metadata?.requestId;
      if (metadataRequestId) answeredRequestId = metadataRequestId;
      if (controller.signal.aborted) {
        this.logger.warn({ requestId, timeoutSeconds }, 'function_timed_out');
        return functionErrorOutcome(timeoutErrorObject(requestId, timeoutSeconds), base());
      }
      if (error.name === 'TooManyRequestsException') {
        const reason = (err as { Reason?: unknown }).Reason;
        return { kind: 'throttled', reason: typeof reason === 'string' && reason !== '' ? reason : DEFAULT_THROTTLE_REASON, ...base() };
      }
      this.logger.warn({ err: error, requestId, functionName: this.target.functionName }, 'function_invoke_failed');
      return { kind: 'invoke_error', error, ...base() };
    } finally {
      clearTimeout(timer);
    }
  }
}
