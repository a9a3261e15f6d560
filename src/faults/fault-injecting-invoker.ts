import { randomUUID } from 'node:crypto';
import type { Invoker, InvokeOptions, InvokeOutcome } from '../functions/invoker.js';
import { functionErrorOutcome, timeoutErrorObject } from '../functions/function-error.js';
import { sleep } from '../runtime/backoff.js';
import { drawFault, INJECTED_ERROR_TYPE, type FunctionFaults } from './function-faults.js';
import type { FaultSource } from './fault-registry.js';

/** The throttle reason an injected throttle reports: Lambda's account-level concurrency limit. */
export const INJECTED_THROTTLE_REASON = 'ConcurrentInvocationLimitExceeded';

/**
 * Wraps a function's invoker with the faults set for it: before each invocation it asks the fault source, waits the
 * injected latency, then either runs the function or answers as Lambda would for the drawn fault — a function error
 * (`Unhandled`, errorType `InjectedFault`), a throttle (429), or a timeout after the function's timeout. The function
 * does not run for an injected error, throttle or timeout. Every outcome a fault shaped carries `injectedFault`.
 */
export class FaultInjectingInvoker implements Invoker {
  constructor(
    private readonly functionName: string,
    private readonly timeoutSeconds: number,
    private readonly inner: Invoker,
    private readonly faults: FaultSource,
    private readonly random: () => number = Math.random,
  ) {}

  async invoke(payload: string, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    const faults = await this.faults.take(this.functionName);
    if (!faults) return this.inner.invoke(payload, options);
    const requestId = options.requestId ?? randomUUID();
    const started = Date.now();
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = drawFault(faults, this.random());
    const base = () => ({ requestId, durationMs: Date.now() - started, executedVersion: '$LATEST' });
    switch (fault) {
      case 'throttle':
        return { kind: 'throttled', reason: INJECTED_THROTTLE_REASON, ...base(), injectedFault: fault };
      case 'error':
        return {
          ...functionErrorOutcome({ errorType: INJECTED_ERROR_TYPE, errorMessage: injectedErrorMessage(faults) }, base()),
          injectedFault: fault,
        };
      case 'timeout':
        await sleep(this.timeoutSeconds * 1000);
        return { ...functionErrorOutcome(timeoutErrorObject(requestId, this.timeoutSeconds), base()), injectedFault: fault };
      case 'latency': {
        const outcome = await this.inner.invoke(payload, { ...options, requestId });
        return { ...outcome, durationMs: Date.now() - started, injectedFault: fault };
      }
      case undefined:
        return this.inner.invoke(payload, { ...options, requestId });
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  startupAllowanceMs(): number {
    return this.inner.startupAllowanceMs?.() ?? 0;
  }

  prepare(): void {
    this.inner.prepare?.();
  }
}

function injectedErrorMessage(faults: FunctionFaults): string {
  return `Injected function error (errorRate ${faults.errorRate}); the function did not run`;
}
