import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, MiddlewareStack } from '@smithy/types';

/**
 * Cancelling an AWS call without per-call options.
 *
 * A client built with `cacheMiddleware: true` resolves its middleware stack once per command class instead of on
 * every call (about a fifth of the SDK's CPU per call), but only for calls made without options: a call given
 * `{ abortSignal }` resolves the stack again and drops the cache. So the signal travels with the command instead:
 * {@link withSignal} puts it on the command's input under a symbol (serialisers only read the shape's members),
 * the {@link addCallSignal} middleware copies it onto the signed request, and {@link SignalledHttpHandler} hands
 * it to the socket, where it cancels the request as the option would.
 */
const CALL_SIGNAL = Symbol('esm-poller.callSignal');

type Signalled = { [CALL_SIGNAL]?: AbortSignal };
type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];

/** `command`, cancelled when `signal` aborts (the call then rejects with an `AbortError`), on a client of AwsClientFactory. */
export function withSignal<C extends { readonly input: object }>(command: C, signal: AbortSignal | undefined): C {
  if (signal) (command.input as Signalled)[CALL_SIGNAL] = signal;
  return command;
}

/** Adds the middleware that carries the signal of {@link withSignal} from the input to the request, after signing. */
export function addCallSignal(client: { readonly middlewareStack: MiddlewareStack<object, object> }): void {
  client.middlewareStack.add(
    (next) => (args) => {
      const signal = (args.input as Signalled)[CALL_SIGNAL];
      const request = (args as { request?: Signalled }).request;
      if (signal && request) request[CALL_SIGNAL] = signal;
      return next(args);
    },
    // Each attempt is signed into a new request; the deserialize step sees the one that is sent.
    { step: 'deserialize', name: 'esmPollerCallSignal' },
  );
}

/** The Node.js HTTP handler, cancelling a request when the signal its command carries aborts. */
export class SignalledHttpHandler extends NodeHttpHandler {
  override handle(request: HttpRequest, options: HttpHandlerOptions = {}): ReturnType<NodeHttpHandler['handle']> {
    const signal = (request as Signalled)[CALL_SIGNAL];
    return super.handle(request, signal && !options.abortSignal ? { ...options, abortSignal: signal } : options);
  }
}
