import { randomUUID } from 'node:crypto';
import type { Invoker, InvokeOptions, InvokeOutcome } from './invoker.js';
import type { FunctionDefinition } from './function-definition.js';
import type { Metrics } from '../observability/metrics.js';

/**
 * A configured function as the rest of the service sees it: its identity, its target's invoker, and its
 * concurrency. Invocations past `reservedConcurrency` are throttled here (Lambda's 429) without reaching
 * the target, whoever calls: a poller or the Invoke API.
 */
export class LambdaFunction {
  private running = 0;

  constructor(
    readonly definition: FunctionDefinition,
    /** Unqualified ARN, as an ESM's `FunctionArn`. */
    readonly arn: string,
    private readonly invoker: Invoker,
    private readonly metrics: Metrics,
  ) {}

  get name(): string {
    return this.definition.name;
  }

  get timeoutSeconds(): number {
    return this.definition.timeoutSeconds;
  }

  /** Invocations running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Invocations that could start now without being throttled (Infinity when unreserved). */
  get freeConcurrency(): number {
    const reserved = this.definition.reservedConcurrency;
    return reserved === undefined ? Infinity : Math.max(0, reserved - this.running);
  }

  async invoke(payload: string, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    const requestId = options.requestId ?? randomUUID();
    if (this.freeConcurrency <= 0) {
      const outcome: InvokeOutcome = {
        kind: 'throttled',
        reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        requestId,
        durationMs: 0,
        executedVersion: '$LATEST',
      };
      this.metrics.functionInvocations.inc({ function: this.name, outcome: outcome.kind });
      return outcome;
    }
    this.running++;
    this.metrics.functionConcurrentExecutions.set({ function: this.name }, this.running);
    try {
      const outcome = await this.invoker.invoke(payload, { ...options, requestId });
      this.metrics.functionInvocations.inc({ function: this.name, outcome: outcome.kind });
      this.metrics.functionDuration.observe({ function: this.name, outcome: outcome.kind }, outcome.durationMs / 1000);
      return outcome;
    } finally {
      this.running--;
      this.metrics.functionConcurrentExecutions.set({ function: this.name }, this.running);
    }
  }

  close(): Promise<void> {
    return this.invoker.close();
  }
}
