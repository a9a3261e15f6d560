import type { LambdaFunction } from '../functions/lambda-function.js';

/** Permission to run one invocation; `release` once it ended. */
export interface InvocationSlot {
  release(): void;
}

/**
 * Where the asynchronous worker asks for room to invoke a function. Today the answer is the function's own
 * per-process concurrency (`reservedConcurrency` counted in {@link LambdaFunction}); fleet-wide accounting
 * replaces this one implementation.
 */
export interface InvocationSlots {
  /** A slot when the function may run one more invocation now; undefined when it is at its limit (a throttle). */
  tryAcquire(fn: LambdaFunction): InvocationSlot | undefined;
}

const NO_OP_SLOT: InvocationSlot = { release: () => undefined };

/**
 * The function's per-process accounting: room while its running invocations are below `reservedConcurrency`.
 * The invocation itself takes the place (LambdaFunction counts it), so the slot holds nothing.
 */
export class LocalInvocationSlots implements InvocationSlots {
  tryAcquire(fn: LambdaFunction): InvocationSlot | undefined {
    return fn.freeConcurrency > 0 ? NO_OP_SLOT : undefined;
  }
}
