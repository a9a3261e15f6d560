import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Invoker, InvokeOptions, InvokeOutcome } from './invoker.js';
import type { FunctionDefinition } from './function-definition.js';
import {
  MAX_RESPONSE_PAYLOAD_BYTES,
  functionErrorOutcome,
  httpErrorObject,
  parseErrorPayload,
  responseTooLargeErrorObject,
  timeoutErrorObject,
} from './function-error.js';
import { FunctionUnreachableError, InvokerClosedError } from './invoke-error.js';
import type { Logger } from '../observability/logger.js';
import { once } from '../runtime/lifecycle.js';
import { InFlight } from '../runtime/in-flight.js';

/** Version reported when the target does not send `X-Amz-Executed-Version`. */
const DEFAULT_EXECUTED_VERSION = '$LATEST';
/** Throttle reason when a 429 body does not carry Lambda's `Reason`. */
const DEFAULT_THROTTLE_REASON = 'ConcurrentInvocationLimitExceeded';
/** Idle keep-alive sockets kept per target. */
const MAX_FREE_SOCKETS = 256;

export interface HttpInvokerOptions {
  readonly logger: Logger;
}

type BaseFields = { readonly requestId: string; readonly durationMs: number; readonly executedVersion: string };

/**
 * Invokes a `url:` function: POSTs the event as JSON over a keep-alive connection and reads the answer the way
 * Lambda's Invoke API answers. 2xx = success (body = result; an empty body is `null`); 2xx with
 * `X-Amz-Function-Error` = function error (body = error object); 429 = throttled (`Reason` from the body);
 * other statuses = function error `HttpError`; no answer within the timeout = timed out; no connection =
 * invoke error. The request carries `x-amz-request-id`, and `x-amz-client-context` when the caller sent one.
 */
export class HttpInvoker implements Invoker {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly inFlight = new InFlight<InvokeOutcome>();
  private readonly logger: Logger;
  private closing = false;

  constructor(
    private readonly definition: FunctionDefinition,
    options: HttpInvokerOptions,
  ) {
    const target = definition.target;
    if (target.type !== 'url') throw new TypeError(`HttpInvoker needs a url target, got ${target.type}`);
    this.url = new URL(target.url);
    this.logger = options.logger;
    const agentOptions = { keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, scheduling: 'lifo' as const };
    if (this.url.protocol === 'https:') {
      this.agent = new HttpsAgent(agentOptions);
      this.send = httpsRequest as typeof httpRequest;
    } else {
      this.agent = new HttpAgent(agentOptions);
      this.send = httpRequest;
    }
  }

  invoke(payload: string, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    return this.inFlight.track(this.run(payload, options.requestId ?? randomUUID(), options.clientContext));
  }

  /** Waits for in-flight requests (bounded by the timeout), then closes the pooled sockets. */
  readonly close = once(async (): Promise<void> => {
    this.closing = true;
    await this.inFlight.drain();
    this.agent.destroy();
  });

  private run(payload: string, requestId: string, clientContext?: Readonly<Record<string, unknown>>): Promise<InvokeOutcome> {
    const started = performance.now();
    let executedVersion = DEFAULT_EXECUTED_VERSION;
    const base = (): BaseFields => ({ requestId, durationMs: performance.now() - started, executedVersion });
    if (this.closing) return Promise.resolve({ kind: 'invoke_error', error: new InvokerClosedError(this.definition.name), ...base() });
    const timeoutSeconds = this.definition.timeoutSeconds;
    return new Promise<InvokeOutcome>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: InvokeOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const unreachable = (err: Error): void => {
        if (settled) return;
        this.logger.warn({ err, requestId, url: this.url.href }, 'function_unreachable');
        finish({ kind: 'invoke_error', error: new FunctionUnreachableError(this.definition.name, this.url.href, err), ...base() });
      };
      const body = Buffer.from(payload, 'utf8');
      let request: ReturnType<typeof httpRequest>;
      try {
        request = this.send(
          this.url,
          {
            method: 'POST',
            agent: this.agent,
            headers: {
              'content-type': 'application/json',
              'content-length': body.length,
              'x-amz-request-id': requestId,
              // The caller's client context travels on as Lambda's header (base64 JSON).
              ...(clientContext ? { 'x-amz-client-context': Buffer.from(JSON.stringify(clientContext)).toString('base64') } : {}),
            },
          },
          (response) => {
            executedVersion = headerOf(response, 'x-amz-executed-version') ?? DEFAULT_EXECUTED_VERSION;
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_RESPONSE_PAYLOAD_BYTES) {
                finish(functionErrorOutcome(responseTooLargeErrorObject(), base()));
                request.destroy();
                return;
              }
              chunks.push(chunk);
            });
            response.on('end', () => finish(this.outcomeOf(response, Buffer.concat(chunks).toString('utf8'), base())));
            response.on('error', unreachable);
            response.on('close', () => {
              if (!response.complete) unreachable(Object.assign(new Error('connection closed before the response ended'), { code: 'ECONNRESET' }));
            });
          },
        );
      } catch (err) {
        unreachable(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      request.on('error', unreachable);
      timer = setTimeout(() => {
        this.logger.warn({ requestId, timeoutSeconds }, 'function_timed_out');
        finish(functionErrorOutcome(timeoutErrorObject(requestId, timeoutSeconds), base()));
        request.destroy();
      }, timeoutSeconds * 1000);
      request.end(body);
    });
  }

  private outcomeOf(response: IncomingMessage, text: string, base: BaseFields): InvokeOutcome {
    const status = response.statusCode ?? 0;
    if (status === 429) return { kind: 'throttled', reason: throttleReasonOf(text), ...base };
    if (status < 200 || status > 299) return functionErrorOutcome(httpErrorObject(status, response.statusMessage ?? ''), base);
    if (headerOf(response, 'x-amz-function-error') !== undefined) {
      const { payload, error } = parseErrorPayload(text);
      return functionErrorOutcome(error, base, payload);
    }
    return { kind: 'success', payload: jsonPayloadOf(text), ...base };
  }
}

/** The result as JSON text: an empty body is `null`; a body that is not JSON becomes a JSON string. */
function jsonPayloadOf(text: string): string {
  if (text.trim() === '') return 'null';
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

/** Lambda's 429 body: `{"Reason":"…","Type":"User","message":"Rate Exceeded."}`. */
function throttleReasonOf(text: string): string {
  try {
    const body = JSON.parse(text) as { Reason?: unknown; reason?: unknown };
    const reason = body.Reason ?? body.reason;
    if (typeof reason === 'string' && reason !== '') return reason;
  } catch {
    // Not JSON: no reason given.
  }
  return DEFAULT_THROTTLE_REASON;
}

function headerOf(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
