import { sleep } from '../runtime/backoff.js';
import type { ActivityRegistry, PendingWork } from './activity-registry.js';

/** Pause between two checks of every covered mapping while waiting. */
export const IDLE_CHECK_INTERVAL_MS = 100;

/** A mapping as the waiter needs it (from the supervisor's view of the fleet's mappings). */
export interface CoveredMapping {
  readonly UUID: string;
  readonly FunctionName: string;
  readonly EventSourceArn: string;
  readonly State: string;
  readonly LastProcessingResult: string;
  /** Whether replicas run pollers for it (enabled, and not being disabled or deleted). */
  readonly polled: boolean;
}

/** Where the waiter finds the mappings and the deliveries still queued. */
export interface IdleWaiterSources {
  /** The fleet's mappings this replica knows. */
  readonly mappings: () => readonly CoveredMapping[];
  readonly activity: ActivityRegistry;
  /** Failure records (and other deliveries) of the fleet not delivered yet. */
  readonly pendingDeliveries: () => Promise<number>;
}

export interface IdleQuery {
  readonly uuid?: string;
  readonly functionName?: string;
  readonly timeoutMs: number;
}

export interface MappingPending {
  readonly UUID: string;
  readonly FunctionName: string;
  readonly EventSourceArn: string;
  readonly pending: readonly PendingWork[];
}

export interface IdleAnswer {
  readonly idle: boolean;
  readonly waitedMs: number;
  /** Every enabled mapping covered, with what it still has to do (empty lists once idle). */
  readonly mappings: readonly MappingPending[];
  /** Deliveries to destinations not done yet (fleet-wide). */
  readonly pendingDeliveries: number;
}

/**
 * Waits until every enabled mapping the query covers has nothing left to do with what its source held when the wait
 * began, and every queued failure record is delivered; or until the timeout, answering what is still pending.
 */
export class IdleWaiter {
  constructor(private readonly sources: IdleWaiterSources) {}

  async waitIdle(query: IdleQuery, signal: AbortSignal): Promise<IdleAnswer> {
    const started = Date.now();
    const deadline = started + query.timeoutMs;
    for (;;) {
      const answer = await this.check(query, started, signal);
      if (answer.idle || Date.now() >= deadline || signal.aborted) return answer;
      await sleep(Math.min(IDLE_CHECK_INTERVAL_MS, deadline - Date.now()), signal);
    }
  }

  private async check(query: IdleQuery, sinceMs: number, signal: AbortSignal): Promise<IdleAnswer> {
    const covered = this.sources
      .mappings()
      .filter((mapping) => (query.uuid === undefined || mapping.UUID === query.uuid) && (query.functionName === undefined || mapping.FunctionName === query.functionName))
      .filter((mapping) => mapping.polled);
    const mappings = await Promise.all(
      covered.map(async (mapping): Promise<MappingPending> => {
        const probe = this.sources.activity.probeOf(mapping.UUID);
        const pending: readonly PendingWork[] = probe
          ? await probe.pending(sinceMs, signal)
          : [{ reason: `not polling on this replica (State ${mapping.State}, LastProcessingResult: ${mapping.LastProcessingResult})` }];
        return { UUID: mapping.UUID, FunctionName: mapping.FunctionName, EventSourceArn: mapping.EventSourceArn, pending };
      }),
    );
    const pendingDeliveries = await this.sources.pendingDeliveries();
    const idle = pendingDeliveries === 0 && mappings.every((mapping) => mapping.pending.length === 0);
    return { idle, waitedMs: Date.now() - sinceMs, mappings, pendingDeliveries };
  }
}
