import { randomUUID } from 'node:crypto';
import type { Invoker, InvokeOptions, InvokeOutcome } from './invoker.js';
import type { FunctionDefinition } from './function-definition.js';
import type { Metrics } from '../observability/metrics.js';
import type { FleetSlots } from '../concurrency/fleet-slots.js';
import { LingeringSlots, type HeldSlot } from '../concurrency/lingering-slots.js';

/** Where the fleet-wide count of a function's invocations is kept (only used with `reservedConcurrency`). */
export interface FunctionSlots {
  readonly slots: FleetSlots;
  readonly key: string;
}

/**
 * A configured function as the rest of the service sees it: its identity, its target's invoker, and its
 * concurrency. Invocations past `reservedConcurrency` are throttled here (Lambda's 429) without reaching
 * the target, whoever calls: a poller or the Invoke API. With fleet slots, the limit counts the invocations of
 * every replica (one slot per invocation, taken before it starts and given back when it ends; a slot given back
 * lingers a moment for this process's next invocation, see {@link LingeringSlots}).
 */
export class LambdaFunction {
  private running = 0;
  private readonly slots?: LingeringSlots;

  constructor(
    readonly definition: FunctionDefinition,
    /** Unqualified ARN, as an ESM's `FunctionArn`. */
    readonly arn: string,
    private readonly invoker: Invoker,
    private readonly metrics: Metrics,
    fleet?: FunctionSlots,
  ) {
    if (fleet) this.slots = new LingeringSlots(fleet.slots, fleet.key);
  }

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

  /** Time an invocation starting now may take before its timeout starts counting (a cold start), ms. */
  startupAllowanceMs(): number {
    return this.invoker.startupAllowanceMs?.() ?? 0;
  }

  /**
   * Called when a mapping of this function starts polling: its target may initialise an execution environment
   * before the first batch (see Invoker.prepare). Not for a function that may not run (reserved concurrency 0).
   */
  prepare(): void {
    if (this.definition.reservedConcurrency !== 0) this.invoker.prepare?.();
  }

  /** Invocations that could start now without being throttled (Infinity when unreserved). */
  get freeConcurrency(): number {
    const reserved = this.definition.reservedConcurrency;
    return reserved === undefined ? Infinity : Math.max(0, reserved - this.running);
  }

  async invoke(payload: string, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    const requestId = options.requestId ?? randomUUID();
    const { admitted, slot } = await this.admit();
    if (!admitted) {
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
      if (slot) this.slots!.release(slot);
    }
  }

  /** Whether an invocation may start now: room in this process, then (with fleet slots) a slot of the fleet's. */
  private async admit(): Promise<{ admitted: boolean; slot?: HeldSlot }> {
    const reserved = this.definition.reservedConcurrency;
    if (this.freeConcurrency <= 0) return { admitted: false };
    if (reserved === undefined || !this.slots) return { admitted: true };
    try {
      const slot = await this.slots.tryAcquire(reserved);
      return slot ? { admitted: true, slot } : { admitted: false };
    } catch {
      // The fleet's count cannot be read: refuse rather than run past the limit (callers retry throttles).
      return { admitted: false };
    }
  }

  async close(): Promise<void> {
    await this.invoker.close();
    this.slots?.close();
  }
}
