/**
 * Visibility timeout rules of the SQS poller, as pure functions (spec §3.3 and pollers/sqs/README.md).
 *
 * Received messages stay hidden for the visibility timeout; a message the poller neither deleted nor released
 * reappears when it ends, which is how failed messages are retried. The poller therefore makes sure that a
 * message stays hidden for as long as its batch may still be collected and its invocation may still run.
 */

/** Added by AWS when window + function timeout exceed the queue's visibility timeout (spec §3.3). */
export const EFFECTIVE_VISIBILITY_MARGIN_SECONDS = 30;
/** SQS's longest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** Longest ReceiveMessage long poll SQS allows; used while the poller holds no messages. */
export const LONG_POLL_WAIT_SECONDS = 20;
/**
 * Wait of a receive made while the queue looked busy (the previous receive returned messages) or while a
 * batch is being collected: long enough to avoid an empty-poll spin, short enough that a receive which is
 * cut off at stop cannot hold messages for long (see {@link PARKED_POLL_VISIBILITY_SECONDS}).
 */
export const SHORT_POLL_WAIT_SECONDS = 1;
/**
 * Visibility timeout asked for by a 20-second long poll. SQS does not cancel a long poll whose client went
 * away: a poll aborted at stop may still take the next messages that arrive, and nobody reads its answer.
 * Those messages then reappear after this many seconds instead of the queue's whole visibility timeout.
 * Messages a long poll does deliver are at once given the effective visibility timeout (one
 * ChangeMessageVisibilityBatch per long poll that ends with messages).
 */
export const PARKED_POLL_VISIBILITY_SECONDS = 5;
/**
 * An invocation may start when each message of its batch stays hidden for at least the function timeout
 * less this tolerance; otherwise its visibility is extended first (or, for a throttled retry, the batch
 * is given up). The tolerance keeps a queue whose visibility timeout equals the function timeout (allowed by
 * AWS) from paying one extension per batch.
 */
export const INVOKE_VISIBILITY_TOLERANCE_MS = 1_000;

/**
 * AWS's effective visibility timeout of an SQS mapping (spec §3.3): the queue's own, unless the batching
 * window plus the function timeout exceed it; then window + function timeout + 30 s.
 */
export function effectiveVisibilityTimeoutSeconds(
  queueVisibilityTimeoutSeconds: number,
  batchingWindowSeconds: number,
  functionTimeoutSeconds: number,
): number {
  const needed = batchingWindowSeconds + functionTimeoutSeconds;
  if (needed <= queueVisibilityTimeoutSeconds) return queueVisibilityTimeoutSeconds;
  return Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, needed + EFFECTIVE_VISIBILITY_MARGIN_SECONDS);
}

/** What one ReceiveMessage asks for. */
export interface ReceivePlan {
  readonly waitTimeSeconds: number;
  /** Visibility timeout to request; the effective one unless a long poll asks for a short one. */
  readonly visibilityTimeoutSeconds: number;
}

/**
 * The wait and visibility of the next receive.
 * @param holdingMessages the batch being collected already has records
 * @param queueLooksIdle the previous receive of this poller returned nothing (or there was none)
 * @param windowRemainingMs time left in the batching window (only read when holding messages)
 */
export function planReceive(options: {
  readonly holdingMessages: boolean;
  readonly queueLooksIdle: boolean;
  readonly windowRemainingMs: number;
  readonly effectiveVisibilitySeconds: number;
}): ReceivePlan {
  const visibility = options.effectiveVisibilitySeconds;
  if (options.holdingMessages) {
    // Never wait past the window; below one second only an immediate receive fits.
    const wait = options.windowRemainingMs >= SHORT_POLL_WAIT_SECONDS * 1000 ? SHORT_POLL_WAIT_SECONDS : 0;
    return { waitTimeSeconds: wait, visibilityTimeoutSeconds: visibility };
  }
  if (!options.queueLooksIdle) return { waitTimeSeconds: SHORT_POLL_WAIT_SECONDS, visibilityTimeoutSeconds: visibility };
  return { waitTimeSeconds: LONG_POLL_WAIT_SECONDS, visibilityTimeoutSeconds: Math.min(visibility, PARKED_POLL_VISIBILITY_SECONDS) };
}

/**
 * True when a message hidden until `visibleAtMs` could reappear while an invocation starting at `nowMs` runs: for
 * its startup (a cold environment loading its module, `startupAllowanceMs`) and then its whole timeout.
 */
export function needsVisibilityForInvoke(visibleAtMs: number, nowMs: number, functionTimeoutSeconds: number, startupAllowanceMs = 0): boolean {
  return visibleAtMs - nowMs < functionTimeoutSeconds * 1000 + startupAllowanceMs - INVOKE_VISIBILITY_TOLERANCE_MS;
}

/** The visibility timeout to give a batch before an invocation: the effective one, or longer when a cold start may come first. */
export function invokeVisibilitySeconds(effectiveVisibilitySeconds: number, functionTimeoutSeconds: number, startupAllowanceMs: number): number {
  const needed = functionTimeoutSeconds + Math.ceil(startupAllowanceMs / 1000);
  return Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(effectiveVisibilitySeconds, needed));
}
