import type { InvokeOutcome } from '../../src/functions/invoker.js';
import { parseBatchItemFailures } from '../../src/batch/batch-item-failures.js';
import type { SqsReceivedMessage } from './sqs-received-message.js';

/**
 * Settling an SQS batch (spec §3.3, §3.4): the only code that decides which received messages are deleted.
 * Pure: `verdictOf` reads an invocation outcome, `planSettlement` turns it into deletions and releases; the
 * poller carries the plan out through the queue client.
 */

/** What an invocation says about its batch. */
export type BatchVerdict =
  | { readonly kind: 'success' }
  /** A valid partial batch response: these message ids failed, the others succeeded. */
  | { readonly kind: 'partial'; readonly failedIds: ReadonlySet<string> }
  /** The whole batch failed. */
  | { readonly kind: 'failure'; readonly reason: BatchFailureReason; readonly detail: string };

export type BatchFailureReason =
  /** The function threw, crashed or answered with an error. */
  | 'function_error'
  | 'timed_out'
  /** The function could not be reached (network, unknown function, permissions). */
  | 'invoke_error'
  /** Throttled until the messages' visibility window ran out. */
  | 'throttled'
  /** `ReportBatchItemFailures` is on and the response is malformed or names an id not in the batch. */
  | 'invalid_response';

/**
 * The verdict of a finished (not throttled-and-retried) invocation.
 * With `ReportBatchItemFailures` off, any successful response means success; with it on, the response is
 * read by the rules of spec §3.4 (`null`, `{}`, empty list → success; a missing, empty or unknown
 * `itemIdentifier` → the whole batch failed).
 */
export function verdictOf(outcome: InvokeOutcome, batchIds: ReadonlySet<string>, reportsBatchItemFailures: boolean): BatchVerdict {
  switch (outcome.kind) {
    case 'success': {
      if (!reportsBatchItemFailures) return { kind: 'success' };
      const result = parseBatchItemFailures(outcome.payload, batchIds, 'sqs');
      if (result.kind === 'success') return { kind: 'success' };
      if (result.kind === 'partial') return { kind: 'partial', failedIds: new Set(result.failedIds) };
      return { kind: 'failure', reason: 'invalid_response', detail: result.reason };
    }
    case 'function_error':
    case 'timed_out':
      return { kind: 'failure', reason: outcome.kind, detail: `${outcome.errorType}: ${outcome.errorMessage}` };
    case 'invoke_error':
      return { kind: 'failure', reason: 'invoke_error', detail: `${outcome.error.name}: ${outcome.error.message}` };
    case 'throttled':
      return { kind: 'failure', reason: 'throttled', detail: outcome.reason };
  }
}

/** What to do with each message of a settled batch. Every message is in exactly one list. */
export interface SettlementPlan {
  /** Processed: DeleteMessageBatch. */
  readonly delete: readonly SqsReceivedMessage[];
  /** Failed: left alone, they reappear when their visibility timeout ends (and count toward the redrive policy). */
  readonly retain: readonly SqsReceivedMessage[];
  /**
   * FIFO only: messages behind a failed message of their group. Not deleted even if they succeeded, made
   * visible at once; the group stays blocked behind the retained message, so the group's order holds on retry.
   */
  readonly release: readonly SqsReceivedMessage[];
  /** FIFO groups with a failed message in this batch (their carried-over messages must not be invoked next). */
  readonly failedGroups: ReadonlySet<string>;
  /** Messages that count as failed for `esm_failed_invoke_events_total`. */
  readonly failedCount: number;
}

/**
 * Standard queues: success deletes everything, failure deletes nothing, a partial response deletes all but
 * the listed messages.
 *
 * FIFO queues add one rule per message group, in batch order: from the group's first failed message on,
 * nothing of that group is deleted — the failed message waits out its visibility timeout, every later
 * message of the group in the batch is released (visibility 0). A function that followed AWS's advice and
 * listed the failed message and everything after it gets exactly that; one that listed only the failed
 * message does not get later messages of the group deleted ahead of it.
 */
export function planSettlement(messages: readonly SqsReceivedMessage[], verdict: BatchVerdict, fifo: boolean): SettlementPlan {
  const failed = (message: SqsReceivedMessage): boolean =>
    verdict.kind === 'failure' || (verdict.kind === 'partial' && verdict.failedIds.has(message.record.messageId));
  const failedCount = verdict.kind === 'failure' ? messages.length : verdict.kind === 'partial' ? messages.filter(failed).length : 0;

  const toDelete: SqsReceivedMessage[] = [];
  const retain: SqsReceivedMessage[] = [];
  const release: SqsReceivedMessage[] = [];
  const failedGroups = new Set<string>();
  for (const message of messages) {
    const group = fifo ? message.groupId : undefined;
    if (group !== undefined && failedGroups.has(group)) {
      release.push(message);
    } else if (failed(message)) {
      retain.push(message);
      if (group !== undefined) failedGroups.add(group);
    } else {
      toDelete.push(message);
    }
  }
  return { delete: toDelete, retain, release, failedGroups, failedCount };
}

/**
 * FIFO: the messages that come after one of `lost` in the same message group, in order. When a message
 * drops out of a batch before the invocation (its visibility could not be secured), these must not be
 * invoked ahead of it.
 */
export function fifoFollowers(messages: readonly SqsReceivedMessage[], lost: ReadonlySet<SqsReceivedMessage>): SqsReceivedMessage[] {
  const blockedGroups = new Set<string>();
  const followers: SqsReceivedMessage[] = [];
  for (const message of messages) {
    const group = message.groupId;
    if (group === undefined) continue;
    if (lost.has(message)) blockedGroups.add(group);
    else if (blockedGroups.has(group)) followers.push(message);
  }
  return followers;
}
