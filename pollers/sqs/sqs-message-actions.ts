import type { Logger } from '../../src/observability/logger.js';
import type { MappingLabels, Metrics } from '../../src/observability/metrics.js';
import type { BatchActionResult, SqsQueueClient } from './sqs-queue-client.js';
import { extensionsSettled, type SqsReceivedMessage } from './sqs-received-message.js';
import { fifoFollowers, type SettlementPlan } from './sqs-settle.js';

export interface SqsMessageActionsOptions {
  readonly client: SqsQueueClient;
  readonly fifo: boolean;
  /** Visibility timeout given to messages whose visibility is secured (AWS's effective timeout). */
  readonly effectiveVisibilitySeconds: number;
  readonly metrics: Metrics;
  readonly labels: MappingLabels;
  readonly logger: Logger;
  /** Aborted when the poller's drain deadline passes; cuts retries short. */
  readonly signal: AbortSignal;
}

/**
 * What the SQS poller does to messages it holds: delete them, extend their visibility, or make them visible
 * again. Each action counts and logs its outcome; none throws (a failed entry is reported and left to SQS,
 * where the message reappears when its visibility timeout ends).
 */
export class SqsMessageActions {
  constructor(private readonly options: SqsMessageActionsOptions) {}

  /** Carries out a settlement plan: deletes the processed messages and releases the FIFO followers. */
  async carryOut(plan: SettlementPlan): Promise<void> {
    await Promise.all([this.delete(plan.delete, 'processed'), this.release(plan.release, 'fifo_group_failed')]);
  }

  /** DeleteMessageBatch; counts `esm_deleted_events_total` and `esm_delete_failures_total`. */
  async delete(messages: readonly SqsReceivedMessage[], reason: 'processed' | 'filtered_out'): Promise<void> {
    if (messages.length === 0) return;
    const { client, metrics, labels, logger, signal } = this.options;
    await extensionsSettled(messages);
    const result = await client.deleteMessages(messages, signal);
    if (result.succeeded.length > 0) metrics.deletedEvents.inc(labels, result.succeeded.length);
    if (result.failed.length > 0) {
      metrics.deleteFailures.inc(labels, result.failed.length);
      logger.warn({ reason, failed: result.failed.length, codes: distinctCodes(result) }, 'delete_failed');
    }
  }

  /**
   * Gives the messages the effective visibility timeout from now; returns those for which it worked, in
   * order. The others may be visible (and received by someone else) already, so they must not be processed.
   * FIFO: the later messages of a lost message's group are released and left out too.
   */
  async secureVisibility(
    messages: readonly SqsReceivedMessage[],
    reason: string,
    visibilitySeconds: number = this.options.effectiveVisibilitySeconds,
  ): Promise<SqsReceivedMessage[]> {
    const { client, logger, signal } = this.options;
    const sentAt = Date.now();
    const result = await client.changeVisibility(messages, visibilitySeconds, signal);
    for (const message of result.succeeded) message.visibleAtMs = sentAt + visibilitySeconds * 1000;
    if (result.failed.length === 0) return [...messages];
    logger.warn({ reason, failed: result.failed.length, codes: distinctCodes(result) }, 'visibility_extension_failed');
    const secured = new Set(result.succeeded);
    const lost = new Set(messages.filter((message) => !secured.has(message)));
    if (!this.options.fifo) return messages.filter((message) => secured.has(message));
    const followers = new Set(fifoFollowers(messages, lost));
    await this.release([...followers], 'fifo_order');
    return messages.filter((message) => secured.has(message) && !followers.has(message));
  }

  /**
   * Standard queues: gives the messages the effective visibility timeout like {@link secureVisibility}, without
   * waiting for the answer, so that their invocation need not wait for one more SQS round trip. The messages are
   * hidden already (for a parked long poll's `PARKED_POLL_VISIBILITY_SECONDS`) and the extension lands within
   * milliseconds; until it has its answer it sits on each message as `visibilityExtension`. A message whose
   * extension failed keeps its short visibility: if its invocation has not started yet, the poller tries again
   * before invoking (and leaves it out if that fails, as before); if it has, the message may be delivered once
   * more after the short visibility ends — at least once, never lost. FIFO queues keep {@link secureVisibility}
   * before the invocation: a second delivery there could run a group out of order.
   */
  extendMeanwhile(messages: readonly SqsReceivedMessage[], reason: string): void {
    if (this.options.fifo) throw new Error('extendMeanwhile is for standard queues; FIFO messages are secured before their invocation');
    const extension: Promise<void> = this.secureVisibility(messages, reason)
      .then(
        () => undefined,
        (err: unknown) => this.options.logger.warn({ err, reason }, 'visibility_extension_failed'),
      )
      .finally(() => {
        for (const message of messages) if (message.visibilityExtension === extension) delete message.visibilityExtension;
      });
    for (const message of messages) message.visibilityExtension = extension;
  }

  /** Makes messages visible again at once (ChangeMessageVisibility 0). */
  async release(messages: readonly SqsReceivedMessage[], reason: string): Promise<void> {
    if (messages.length === 0) return;
    const { client, logger, signal } = this.options;
    await extensionsSettled(messages);
    // FIFO: released last-first, so that a queue which puts a released message back at the head of its group
    // (as some emulators do) ends up with the group in its original order; SQS itself orders by sequence number.
    const ordered = this.options.fifo ? [...messages].reverse() : messages;
    const result = await client.changeVisibility(ordered, 0, signal);
    const fields = { reason, released: result.succeeded.length, failed: result.failed.length };
    if (result.failed.length > 0) logger.warn({ ...fields, codes: distinctCodes(result) }, 'messages_released');
    else logger.debug(fields, 'messages_released');
  }
}

function distinctCodes(result: BatchActionResult<SqsReceivedMessage>): string[] {
  return [...new Set(result.failed.map((failure) => failure.code))];
}
