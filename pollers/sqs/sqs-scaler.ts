import type { InvokeOutcomeKind } from '../../src/functions/invoker.js';

/**
 * How many pollers (each one batch in flight at a time) an SQS mapping runs — Lambda's SQS scaling
 * (spec §3.2) as a pure decision over what happened in the last interval. The poller reports receives and
 * invocations as they happen and calls {@link SqsScaler.adjust} every {@link SCALE_INTERVAL_MS}.
 */

/** Without `ScalingConfig.MaximumConcurrency`: AWS's per-mapping ceiling (⚠ 1,000 vs 1,250 in spec §3.2). */
export const DEFAULT_MAXIMUM_CONCURRENCY = 1_000;
/** Pollers when a mapping starts, and the level an idle mapping returns to (AWS: 5). */
export const INITIAL_CONCURRENCY = 5;
/** The least a mapping shrinks to after function errors or throttles (AWS: may go down to 2). */
export const MIN_CONCURRENCY = 2;
/** How often the decision is taken. */
export const SCALE_INTERVAL_MS = 1_000;
/** Pollers added per interval while there is a backlog: 5 per second = AWS's +300 per minute. */
export const SCALE_UP_STEP = 5;
/**
 * A full receive signals a backlog only when its messages were already waiting: one that filled up while it
 * long-polled (a trickle meeting a small BatchSize) says the pollers keep up, not that more are needed.
 */
export const BACKLOG_RECEIVE_MAX_WAIT_MS = 500;

export interface SqsScalerLimits {
  /** `ScalingConfig.MaximumConcurrency` (2–1000), or provisioned mode's `MaximumPollers`, if set. */
  readonly maximumConcurrency?: number;
  /**
   * Provisioned mode: this replica's share of `ProvisionedPollerConfig.MinimumPollers`. The mapping starts with it
   * and never shrinks below it (see {@link SqsScaler.setMinimum} when the fleet changes).
   */
  readonly minimumPollers?: number;
  /** The function's reserved concurrency, if set: the mapping never runs more invocations than this. */
  readonly reservedConcurrency?: number;
  /** With partial batch responses on, function errors do not shrink the mapping (spec §3.3). */
  readonly reportsBatchItemFailures: boolean;
}

export type ScalingReason = 'backlog' | 'idle' | 'function_errors' | 'throttled' | 'steady';

export interface ScalingDecision {
  readonly from: number;
  readonly to: number;
  readonly reason: ScalingReason;
}

interface IntervalStats {
  /** Receives that returned as many messages as they asked for. */
  fullReceives: number;
  emptyReceives: number;
  receivedMessages: number;
  functionErrors: number;
  throttles: number;
}

/**
 * Rules, checked in order each interval:
 * 1. an invocation was throttled → halve (not below {@link MIN_CONCURRENCY});
 * 2. function errors or failed invokes (function errors only when partial batch responses are off) → −25 %;
 * 3. a backlog — some receive came back full and none came back empty — with the function keeping up (no
 *    errors, no throttles) → +{@link SCALE_UP_STEP};
 * 4. idle — no message at all and some empty receive → move halfway back to {@link INITIAL_CONCURRENCY};
 * 5. otherwise keep the level.
 * The result never exceeds `MaximumConcurrency` (default {@link DEFAULT_MAXIMUM_CONCURRENCY}) nor the
 * function's reserved concurrency.
 */
export class SqsScaler {
  /** The most pollers this mapping may ever run. */
  readonly ceiling: number;
  private floor: number;
  private initial: number;
  private readonly reportsBatchItemFailures: boolean;
  private current: number;
  private stats: IntervalStats = emptyStats();

  constructor(limits: SqsScalerLimits) {
    this.ceiling = Math.max(0, Math.min(limits.maximumConcurrency ?? DEFAULT_MAXIMUM_CONCURRENCY, limits.reservedConcurrency ?? Infinity));
    this.floor = Math.min(limits.minimumPollers ?? MIN_CONCURRENCY, this.ceiling);
    this.initial = Math.min(limits.minimumPollers ?? INITIAL_CONCURRENCY, this.ceiling);
    this.reportsBatchItemFailures = limits.reportsBatchItemFailures;
    this.current = this.initial;
  }

  /** Pollers the mapping should run now. */
  get target(): number {
    return this.current;
  }

  /**
   * Provisioned mode: a new share of `MinimumPollers` (the fleet grew or shrank). It becomes both the floor and
   * the level an idle mapping returns to; the target rises to it at once.
   */
  setMinimum(minimumPollers: number): void {
    this.floor = this.initial = Math.min(minimumPollers, this.ceiling);
    this.current = Math.max(this.current, this.floor);
  }

  /** @param waitedMs how long the receive took; a full one counts as backlog only when it did not wait. */
  recordReceive(received: number, requested: number, waitedMs = 0): void {
    this.stats.receivedMessages += received;
    if (received === 0) this.stats.emptyReceives += 1;
    else if (received >= requested && waitedMs < BACKLOG_RECEIVE_MAX_WAIT_MS) this.stats.fullReceives += 1;
  }

  recordInvocation(kind: InvokeOutcomeKind): void {
    if (kind === 'throttled') this.stats.throttles += 1;
    else if (kind === 'invoke_error') this.stats.functionErrors += 1;
    else if ((kind === 'function_error' || kind === 'timed_out') && !this.reportsBatchItemFailures) this.stats.functionErrors += 1;
  }

  /** Takes the decision for the interval that just ended and starts a new one. */
  adjust(): ScalingDecision {
    const stats = this.stats;
    this.stats = emptyStats();
    const from = this.current;
    let to = from;
    let reason: ScalingReason = 'steady';
    if (stats.throttles > 0) {
      to = Math.max(this.floor, Math.floor(from / 2));
      reason = 'throttled';
    } else if (stats.functionErrors > 0) {
      to = Math.max(this.floor, from - Math.max(1, Math.ceil(from / 4)));
      reason = 'function_errors';
    } else if (stats.fullReceives > 0 && stats.emptyReceives === 0) {
      to = Math.min(this.ceiling, from + SCALE_UP_STEP);
      reason = 'backlog';
    } else if (stats.receivedMessages === 0 && stats.emptyReceives > 0 && from !== this.initial) {
      to = from > this.initial ? Math.max(this.initial, Math.floor((from + this.initial) / 2)) : Math.min(this.initial, from + SCALE_UP_STEP);
      reason = 'idle';
    }
    this.current = Math.min(this.ceiling, Math.max(this.floor, to));
    return { from, to: this.current, reason };
  }
}

function emptyStats(): IntervalStats {
  return { fullReceives: 0, emptyReceives: 0, receivedMessages: 0, functionErrors: 0, throttles: 0 };
}
