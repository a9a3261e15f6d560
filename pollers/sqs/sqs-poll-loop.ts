import type { Message } from '@aws-sdk/client-sqs';
import type { PollerContext } from '../../src/mappings/poller.js';
import { PROBLEM_FUNCTION_CALL_FAILED, PROCESSING_OK, readProblem } from '../../src/mappings/mapping-status.js';
import type { FilterCriteriaMatcher } from '../../src/batch/filter-criteria.js';
import type { InvokeOutcome } from '../../src/functions/invoker.js';
import type { MappingLabels } from '../../src/observability/metrics.js';
import { ERROR_BACKOFF, THROTTLE_BACKOFF, exponentialDelayMs, sleep } from '../../src/runtime/backoff.js';
import { SqsBatch, type BatchSealReason } from './sqs-batch.js';
import type { SqsEventSource } from './sqs-event.js';
import type { SqsQueue } from './sqs-queue.js';
import { MAX_RECEIVE_MESSAGES, type SqsQueueClient } from './sqs-queue-client.js';
import type { SqsMessageActions } from './sqs-message-actions.js';
import { extensionsSettled, toReceivedMessage, type SqsReceivedMessage } from './sqs-received-message.js';
import type { SqsScaler } from './sqs-scaler.js';
import { fifoFollowers, planSettlement, verdictOf, type BatchVerdict, type SettlementPlan } from './sqs-settle.js';
import { SHORT_POLL_WAIT_SECONDS, invokeVisibilitySeconds, needsVisibilityForInvoke, planReceive } from './sqs-visibility.js';
import type { InvokeSlot, SqsAdmission } from './sqs-admission.js';
import { NO_JOURNAL, type JournalHandle } from '../../src/journal/journal-entry.js';

/** What a mapping's pollers share, resolved once at start (see SqsPoller). */
export interface SqsPollerSetup {
  readonly queue: SqsQueue;
  readonly client: SqsQueueClient;
  readonly actions: SqsMessageActions;
  readonly admission: SqsAdmission;
  readonly source: SqsEventSource;
  readonly filter: FilterCriteriaMatcher;
  readonly scaler: SqsScaler;
  readonly effectiveVisibilitySeconds: number;
  readonly windowMs: number;
  readonly reportsBatchItemFailures: boolean;
}

/** What one poller's loop runs with. */
export interface SqsPollLoopOptions {
  readonly context: PollerContext;
  readonly setup: SqsPollerSetup;
  readonly labels: MappingLabels;
  /** Stop: no new receive starts, a parked long poll is aborted, waits end. */
  readonly stopSignal: AbortSignal;
  /** The drain deadline passed: settling work still running is cut. */
  readonly drainSignal: AbortSignal;
  /**
   * Asked between batches: true when the mapping runs more pollers than its scaler's target, and this loop
   * may be the one that ends (the answer counts it out at once, so two loops never both leave for one excess).
   */
  readonly claimExit: () => boolean;
  /**
   * True when the fleet-wide slot this poller runs under may have expired (its renewals failed, e.g. Redis is
   * unreachable): the loop ends before its next receive, so the fleet never runs past the limit.
   */
  readonly slotLapsed?: () => boolean;
}

/** One poller's view of the queue. */
interface PollerState {
  /** The previous receive returned nothing: the next one is a 20-second long poll. */
  queueLooksIdle: boolean;
}

interface Collected {
  readonly batch: SqsBatch;
  /** Received messages that did not fit (6 MB); they open the next batch. */
  readonly carry: SqsReceivedMessage[];
  readonly sealedBy: BatchSealReason;
}

const NO_GROUPS: ReadonlySet<string> = new Set();

/**
 * One SQS poller, one batch at a time, read top to bottom in {@link SqsPollLoop.run}:
 *
 *   wait for an invoke slot → receive (long poll) → build records → delete what the filters reject →
 *   batch (BatchSize / window / 6 MB; what does not fit is carried into the next batch) → invoke →
 *   settle (delete / partial / nothing; FIFO group rule) → next batch
 *
 * On standard queues the settlement of a batch (its DeleteMessageBatch) runs while the next batch is received.
 *
 * Messages are only ever deleted after the function processed them (or the filters rejected them); a failed
 * message reappears when its visibility timeout ends.
 */
export class SqsPollLoop {
  private readonly context: PollerContext;
  private readonly labels: MappingLabels;
  private readonly stopSignal: AbortSignal;
  private readonly drainSignal: AbortSignal;
  /** Standard queues: the last batch's settlement, which may still be deleting while the next batch is received. */
  private settling: Promise<void> | undefined;

  constructor(private readonly options: SqsPollLoopOptions) {
    this.context = options.context;
    this.labels = options.labels;
    this.stopSignal = options.stopSignal;
    this.drainSignal = options.drainSignal;
  }

  private get stopping(): boolean {
    return this.stopSignal.aborted;
  }

  /** Runs batches until stop, or until the scaler no longer needs this poller. */
  async run(): Promise<void> {
    const { setup } = this.options;
    const state: PollerState = { queueLooksIdle: true };
    let carry: SqsReceivedMessage[] = [];
    try {
      while (!this.stopping) {
        if (carry.length === 0 && this.options.claimExit()) return;
        if (this.options.slotLapsed?.()) {
          this.options.context.logger.warn({}, 'fleet_slot_lapsed: its renewal failed for too long; this poller stops until it gets a slot again');
          return;
        }
        // 1. A receive only happens when the batch it starts can be invoked at once.
        const slot = await setup.admission.acquireSlot();
        if (!slot) return;
        let collected: Collected | undefined;
        try {
          if (!(await setup.admission.beginCollection(carry.length > 0))) return;
          try {
            // 2–4. Receive, build records, filter, batch.
            collected = await this.collect(setup, state, carry);
          } finally {
            setup.admission.endCollection(collected?.sealedBy);
          }
          carry = collected.carry;
          if (collected.sealedBy === 'stopping') {
            await setup.actions.release([...collected.batch.messages, ...carry], 'stopping');
            carry = [];
            return;
          }
          if (collected.batch.size === 0) continue;
          // 5–6. Invoke and settle.
          const failedGroups = await this.invokeAndSettle(setup, collected.batch, slot);
          if (failedGroups.size > 0 && carry.length > 0) {
            // FIFO: a group that just failed must not run ahead; its carried messages go back in order.
            const blocked = carry.filter((message) => message.groupId !== undefined && failedGroups.has(message.groupId));
            carry = carry.filter((message) => !blocked.includes(message));
            await setup.actions.release(blocked, 'fifo_group_failed');
          }
        } finally {
          setup.admission.releaseSlot(slot);
        }
      }
    } finally {
      await this.settling;
      if (carry.length > 0) await setup.actions.release(carry, 'stopping');
    }
  }

  /**
   * Receives until the batch is full, would pass 6 MB, or its window (counted from its first record) ends.
   * With no window, the first receive that brings records closes the batch.
   */
  private async collect(setup: SqsPollerSetup, state: PollerState, carried: readonly SqsReceivedMessage[]): Promise<Collected> {
    const batch = new SqsBatch(this.context.mapping.BatchSize);
    let carry = batch.fill(carried);
    let windowEndsAt = Date.now() + setup.windowMs;
    let failures = 0;
    for (;;) {
      if (this.stopping) return { batch, carry, sealedBy: 'stopping' };
      if (carry.length > 0) return { batch, carry, sealedBy: 'payload_limit' };
      if (batch.isFull) return { batch, carry, sealedBy: 'size' };
      const holding = batch.size > 0;
      if (holding && Date.now() >= windowEndsAt) return { batch, carry, sealedBy: 'window' };

      const plan = planReceive({
        holdingMessages: holding,
        queueLooksIdle: state.queueLooksIdle,
        windowRemainingMs: windowEndsAt - Date.now(),
        effectiveVisibilitySeconds: setup.effectiveVisibilitySeconds,
      });
      const requested = Math.min(MAX_RECEIVE_MESSAGES, batch.room);
      const sentAt = Date.now();
      let messages: Message[];
      try {
        // Only a parked long poll is aborted at stop (what it may still take is hidden for a few seconds).
        // A short receive asks for the whole effective visibility timeout: aborting it could leave messages
        // with a receive nobody reads for that long, so it finishes and what it brings is released.
        const parked = plan.waitTimeSeconds > SHORT_POLL_WAIT_SECONDS;
        messages = await setup.client.receive(
          { maxMessages: requested, waitTimeSeconds: plan.waitTimeSeconds, visibilityTimeoutSeconds: plan.visibilityTimeoutSeconds },
          parked ? this.stopSignal : this.drainSignal,
        );
        failures = 0;
      } catch (err) {
        if (this.stopping) continue;
        failures += 1;
        this.context.metrics.pollingErrors.inc(this.labels);
        this.context.status.sourceFailed(readProblem(err));
        this.context.logger.warn({ err, attempt: failures }, 'receive_failed');
        if (holding) return { batch, carry, sealedBy: 'window' };
        state.queueLooksIdle = true;
        await sleep(exponentialDelayMs(ERROR_BACKOFF, failures), this.stopSignal);
        continue;
      }
      this.context.status.sourceRead();
      state.queueLooksIdle = messages.length === 0;
      setup.scaler.recordReceive(messages.length, requested, Date.now() - sentAt);
      if (messages.length === 0) {
        // An immediate receive at the very end of a window found nothing: wait the window out instead of spinning.
        if (holding && plan.waitTimeSeconds === 0) await sleep(windowEndsAt - Date.now(), this.stopSignal);
        continue;
      }
      this.context.metrics.polledEvents.inc(this.labels, messages.length);

      // 3. Records, with a visibility timeout that covers the batch's window and invocation.
      let received = messages.map((message) => toReceivedMessage(message, setup.source, sentAt, plan.visibilityTimeoutSeconds));
      if (plan.visibilityTimeoutSeconds < setup.effectiveVisibilitySeconds) {
        // Standard queues invoke while the extension is on its way (the messages are hidden for seconds, it takes
        // milliseconds); FIFO waits for it, so a group never runs with a message that might be delivered again.
        if (setup.queue.fifo) received = await setup.actions.secureVisibility(received, 'long_poll');
        else setup.actions.extendMeanwhile(received, 'long_poll');
      }
      // 4. Filter: rejected messages are deleted, never invoked.
      received = await this.dropFiltered(setup, received);
      const wasEmpty = batch.size === 0;
      carry = batch.fill(received);
      if (wasEmpty && batch.size > 0) windowEndsAt = Date.now() + setup.windowMs;
    }
  }

  /** Deletes the messages FilterCriteria rejects; returns the others in order. */
  private async dropFiltered(setup: SqsPollerSetup, received: SqsReceivedMessage[]): Promise<SqsReceivedMessage[]> {
    if (setup.filter.isEmpty) return received;
    const matching: SqsReceivedMessage[] = [];
    const rejected: SqsReceivedMessage[] = [];
    for (const message of received) {
      (this.passesFilter(setup, message) ? matching : rejected).push(message);
    }
    if (rejected.length > 0) {
      this.context.metrics.filteredOutEvents.inc(this.labels, rejected.length);
      this.context.logger.debug({ count: rejected.length }, 'messages_filtered_out');
      await setup.actions.delete(rejected, 'filtered_out');
    }
    return matching;
  }

  /**
   * A message the filters cannot evaluate (e.g. a body nested deeper than the matcher can walk) is kept and
   * invoked: deleting it would drop a record nobody saw, and throwing would stall the whole batch.
   */
  private passesFilter(setup: SqsPollerSetup, message: SqsReceivedMessage): boolean {
    try {
      return setup.filter.matches(message.record as unknown as Record<string, unknown>);
    } catch (err) {
      this.context.logger.warn({ err, messageId: message.record.messageId }, 'filter_evaluation_failed');
      return true;
    }
  }

  /**
   * Invokes the function with the batch and settles it. Throttled invocations are retried with backoff as
   * long as the messages stay hidden long enough for one more invocation. Returns the FIFO groups that failed
   * or had a message left out of the batch (their carried-over messages must not run ahead).
   */
  private async invokeAndSettle(setup: SqsPollerSetup, batch: SqsBatch, slot: InvokeSlot): Promise<ReadonlySet<string>> {
    const { fn } = this.context;
    // The function may start cold and then run for its whole timeout: no message of the batch may reappear meanwhile.
    // A message whose extension to the effective visibility is still on its way is covered by it when that is long
    // enough (see SqsMessageActions.extendMeanwhile); otherwise that extension is awaited and the message secured.
    const startupMs = fn.startupAllowanceMs();
    const extensionCovers = setup.effectiveVisibilitySeconds * 1000 >= fn.timeoutSeconds * 1000 + startupMs;
    if (!extensionCovers) await extensionsSettled(batch.messages);
    const exposed = batch.messages.filter(
      (message) =>
        message.visibilityExtension === undefined && needsVisibilityForInvoke(message.visibleAtMs, Date.now(), fn.timeoutSeconds, startupMs),
    );
    // FIFO: groups with a message left out of the batch; their carried-over messages must not run ahead of it.
    let lostGroups: ReadonlySet<string> = NO_GROUPS;
    if (exposed.length > 0) {
      const visibilitySeconds = invokeVisibilitySeconds(setup.effectiveVisibilitySeconds, fn.timeoutSeconds, startupMs);
      const secured = new Set(await setup.actions.secureVisibility(exposed, 'invoke', visibilitySeconds));
      const lost = new Set(exposed.filter((message) => !secured.has(message)));
      if (lost.size > 0) {
        if (setup.queue.fifo) {
          const followers = fifoFollowers(batch.messages, lost).filter((message) => !lost.has(message));
          await setup.actions.release(followers, 'fifo_order');
          for (const message of followers) lost.add(message);
          lostGroups = groupsOf([...lost]);
        }
        batch.remove(lost);
      }
      if (batch.size === 0) return lostGroups;
    }
    const payload = batch.payload();
    let outcome: InvokeOutcome;
    let verdict: BatchVerdict;
    let entry: JournalHandle;
    for (let attempt = 1; ; attempt += 1) {
      // From here on the function's own concurrency count holds the slot.
      setup.admission.releaseSlot(slot);
      outcome = await this.invokeOnce(setup, payload, batch.size);
      verdict = verdictOf(outcome, batch.messageIds(), setup.reportsBatchItemFailures);
      entry = this.journal(batch, payload, outcome, verdict);
      if (outcome.kind !== 'throttled') break;
      await extensionsSettled(batch.messages);
      const delayMs = exponentialDelayMs(THROTTLE_BACKOFF, attempt);
      if (batch.messages.some((message) => needsVisibilityForInvoke(message.visibleAtMs, Date.now() + delayMs, fn.timeoutSeconds, startupMs))) {
        this.context.logger.warn({ attempts: attempt, size: batch.size }, 'throttle_retries_exhausted');
        break;
      }
      entry.next('retried', `throttled: invoked again in ${delayMs} ms`);
      this.context.metrics.retries.inc(this.labels);
      if (!(await sleep(delayMs, this.stopSignal))) {
        // Stopping before the batch ever ran: make it visible again now rather than after the timeout.
        entry.next('released', 'stopping before the throttled batch ran');
        await setup.actions.release(batch.messages, 'stopping');
        return new Set([...lostGroups, ...groupsOf(batch.messages)]);
      }
    }
    // 6. Settle, once the batch's visibility is what the poller believes it is.
    const plan = planSettlement(batch.messages, verdict, setup.queue.fifo);
    await this.settling; // standard queues: one settlement in flight at most (the last one is done by now as a rule)
    const settlement = (async () => {
      await extensionsSettled(batch.messages);
      await this.settle(setup, plan, verdict, outcome);
      entry.next(...nextOf(plan));
    })();
    if (setup.queue.fifo) {
      // A group's next messages are received only once this batch is settled.
      await settlement;
    } else {
      // Standard queues: the next batch is received while this one is deleted (its messages stay hidden meanwhile);
      // the loop waits for the last settlement before it ends.
      this.settling = settlement.catch((err: unknown) => this.context.logger.error({ err }, 'batch_settlement_failed'));
    }
    return lostGroups.size === 0 ? plan.failedGroups : new Set([...lostGroups, ...plan.failedGroups]);
  }

  /** Records one invocation of the batch in the mapping's journal. */
  private journal(batch: SqsBatch, payload: string, outcome: InvokeOutcome, verdict: BatchVerdict): JournalHandle {
    return (this.context.journal ?? NO_JOURNAL).record({
      attempt: batch.messages.reduce((highest, message) => Math.max(highest, Number(message.record.attributes['ApproximateReceiveCount']) || 1), 1),
      payload,
      items: () => batch.messages.map((message) => ({ id: message.record.messageId, bytes: message.bytes })),
      outcome,
      ...(verdict.kind === 'partial' ? { failedItems: [...verdict.failedIds] } : {}),
      ...(verdict.kind === 'failure' && verdict.reason === 'invalid_response' ? { invalidItemFailures: verdict.detail } : {}),
    });
  }

  private async invokeOnce(setup: SqsPollerSetup, payload: string, size: number): Promise<InvokeOutcome> {
    const { fn, metrics } = this.context;
    metrics.invokedEvents.inc(this.labels, size);
    metrics.batchSize.observe(this.labels, size);
    setup.admission.invocationStarted();
    metrics.concurrentInvocations.set(this.labels, setup.admission.inFlight);
    let outcome: InvokeOutcome;
    try {
      outcome = await fn.invoke(payload);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      outcome = { kind: 'invoke_error', error, requestId: '', durationMs: 0, executedVersion: '$LATEST' };
    } finally {
      setup.admission.invocationEnded();
      metrics.concurrentInvocations.set(this.labels, setup.admission.inFlight);
    }
    metrics.invocationDuration.observe({ ...this.labels, outcome: outcome.kind }, outcome.durationMs / 1000);
    setup.scaler.recordInvocation(outcome.kind);
    if (outcome.kind === 'throttled') metrics.failedInvokeEvents.inc(this.labels, size);
    return outcome;
  }

  /** Carries out the settlement (the only place processed messages are deleted), then reports the batch. */
  private async settle(setup: SqsPollerSetup, plan: SettlementPlan, verdict: BatchVerdict, outcome: InvokeOutcome): Promise<void> {
    const { metrics, logger, status } = this.context;
    await setup.actions.carryOut(plan);
    // Throttled attempts were counted as they happened.
    if (plan.failedCount > 0 && !(verdict.kind === 'failure' && verdict.reason === 'throttled')) {
      metrics.failedInvokeEvents.inc(this.labels, plan.failedCount);
    }
    const size = plan.delete.length + plan.retain.length + plan.release.length;
    const fields = { size, requestId: outcome.requestId, durationMs: outcome.durationMs };
    if (verdict.kind === 'success') {
      logger.debug(fields, 'batch_succeeded');
    } else if (verdict.kind === 'partial') {
      logger.info({ ...fields, failed: plan.failedCount, released: plan.release.length }, 'batch_partially_failed');
    } else {
      logger.warn({ ...fields, reason: verdict.reason, detail: verdict.detail, released: plan.release.length }, 'batch_failed');
    }
    status.record(verdict.kind === 'failure' ? PROBLEM_FUNCTION_CALL_FAILED : PROCESSING_OK);
  }
}

/** What the settlement did, for the journal. */
function nextOf(plan: SettlementPlan): Parameters<JournalHandle['next']> {
  const failed = plan.retain.length + plan.release.length;
  if (failed === 0) return ['deleted'];
  const parts = [
    plan.delete.length > 0 ? `deleted ${plan.delete.length}` : undefined,
    plan.retain.length > 0 ? `${plan.retain.length} reappear after their visibility timeout` : undefined,
    plan.release.length > 0 ? `${plan.release.length} released behind a failed message of their FIFO group` : undefined,
  ].filter((part) => part !== undefined);
  return ['retried', parts.join('; ')];
}

function groupsOf(messages: readonly SqsReceivedMessage[]): ReadonlySet<string> {
  const groups = new Set<string>();
  for (const message of messages) if (message.groupId !== undefined) groups.add(message.groupId);
  return groups;
}
