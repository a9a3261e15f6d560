import type { LambdaFunctionArn } from './destination-arn.js';
import { PermanentDestinationError } from './destination-error.js';
import type { DestinationTarget, QueuedDelivery } from './destination-target.js';

/** Queues an asynchronous invocation of a configured function; resolves once the event is durably queued. */
export interface AsyncInvoker {
  /** @throws FunctionNotConfiguredError when no configured function has this name. */
  invokeAsync(functionName: string, payload: string): Promise<void>;
}

/** The function of a destination is not one of the configured functions: retrying cannot help. */
export class FunctionNotConfiguredError extends PermanentDestinationError {
  override readonly name = 'FunctionNotConfiguredError';
}

/**
 * A function destination of asynchronous invocations (spec §6.3): Lambda invokes the function asynchronously
 * with the invocation record as its event, so the record joins the asynchronous event queue.
 */
export class FunctionDestination implements DestinationTarget {
  constructor(
    private readonly fn: LambdaFunctionArn,
    private readonly invoker: AsyncInvoker,
  ) {}

  async deliver(delivery: QueuedDelivery): Promise<void> {
    await this.invoker.invokeAsync(this.fn.functionName, delivery.message);
  }
}
