import { setMaxListeners } from 'node:events';
import type { Poller, PollerContext, PollerFactory } from '../../src/mappings/poller.js';
import { reportsBatchItemFailures } from '../../src/mappings/event-source-mapping.js';
import { FilterCriteriaMatcher } from '../../src/batch/filter-criteria.js';
import type { MappingLabels } from '../../src/observability/metrics.js';
import { sleep } from '../../src/runtime/backoff.js';
import { once } from '../../src/runtime/lifecycle.js';
import { resolveSqsQueue, visibilityTimeoutError } from './sqs-queue.js';
import { SqsQueueClient } from './sqs-queue-client.js';
import { SqsMessageActions } from './sqs-message-actions.js';
import { SCALE_INTERVAL_MS, SqsScaler } from './sqs-scaler.js';
import { effectiveVisibilityTimeoutSeconds } from './sqs-visibility.js';
import { SqsAdmission } from './sqs-admission.js';
import { SqsPollLoop, type SqsPollerSetup } from './sqs-poll-loop.js';
import type { PendingWork } from '../../src/idle/activity-registry.js';

/**
 * The SQS event source mapping (spec §1–§5) on this replica: the supervisor of its pollers. It resolves the
 * queue at start, runs as many pollers ({@link SqsPollLoop}, one batch at a time each) as {@link SqsScaler}
 * decides, takes a fleet-wide slot for each where the mapping has a limit, and drains them at stop.
 *
 * Stop: no new receive starts; a parked long poll is aborted, a short receive (at most 1 s) finishes; a poller
 * collecting a batch makes its messages visible again at once (ChangeMessageVisibility 0); invocations in
 * flight finish and are settled, until `drainTimeoutMs`.
 */
export const createSqsPoller: PollerFactory = (context) => new SqsPoller(context);

export class SqsPoller implements Poller {
  private readonly labels: MappingLabels;
  private readonly stopController = new AbortController();
  /** Aborted when the drain deadline passes: cuts the settling work still running. */
  private readonly drainController = new AbortController();
  private readonly workers = new Map<number, Promise<void>>();
  private readonly exiting = new Set<number>();
  private nextWorkerId = 1;
  private supervisor: Promise<void> | undefined;
  private setup: SqsPollerSetup | undefined;
  private stopping = false;
  private unregisterActivity: (() => void) | undefined;

  constructor(private readonly context: PollerContext) {
    const { mapping } = context;
    this.labels = { mapping: mapping.UUID, function: mapping.FunctionName, source: 'sqs' };
    // Every receive, settle call and wait of every poller listens on these two signals.
    setMaxListeners(0, this.stopController.signal, this.drainController.signal);
  }

  private get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  private get drainSignal(): AbortSignal {
    return this.drainController.signal;
  }

  /**
   * Resolves the queue (GetQueueUrl with name and account, as Lambda does), checks its visibility timeout
   * against the function timeout, and starts polling when the mapping is enabled.
   * @throws SqsQueueRejectedError (`InvalidParameterValueException`) with AWS's message
   */
  readonly start = once(async (): Promise<void> => {
    const { mapping, fn, aws, metrics, logger } = this.context;
    const queue = await resolveSqsQueue(aws.sqs(regionOf(mapping.EventSourceArn)), mapping.EventSourceArn);
    const rejected = visibilityTimeoutError(queue, fn.timeoutSeconds);
    if (rejected) throw rejected;
    const windowSeconds = mapping.MaximumBatchingWindowInSeconds;
    const client = new SqsQueueClient(aws.sqs(queue.region), queue.url);
    const effectiveVisibilitySeconds = effectiveVisibilityTimeoutSeconds(queue.visibilityTimeoutSeconds, windowSeconds, fn.timeoutSeconds);
    const setup: SqsPollerSetup = {
      queue,
      client,
      actions: new SqsMessageActions({
        client,
        fifo: queue.fifo,
        effectiveVisibilitySeconds,
        metrics,
        labels: this.labels,
        logger,
        signal: this.drainSignal,
      }),
      source: { queueArn: mapping.EventSourceArn, region: queue.region },
      filter: FilterCriteriaMatcher.compile(mapping.FilterCriteria, 'sqs'),
      scaler: new SqsScaler({
        ...(this.fleetLimit !== undefined ? { maximumConcurrency: this.fleetLimit } : {}),
        ...(this.minimumPollersShare !== undefined ? { minimumPollers: this.minimumPollersShare } : {}),
        ...(fn.definition.reservedConcurrency !== undefined ? { reservedConcurrency: fn.definition.reservedConcurrency } : {}),
        reportsBatchItemFailures: reportsBatchItemFailures(mapping),
      }),
      effectiveVisibilitySeconds,
      admission: new SqsAdmission(fn, windowSeconds > 0, this.stopSignal),
      windowMs: windowSeconds * 1000,
      reportsBatchItemFailures: reportsBatchItemFailures(mapping),
    };
    if (!mapping.Enabled) {
      logger.info({ queueUrl: queue.url }, 'sqs_poller_disabled');
      return;
    }
    if (this.stopping) return;
    this.setup = setup;
    metrics.pollers.set(this.labels, 0);
    metrics.concurrentInvocations.set(this.labels, 0);
    this.supervisor = this.supervise(setup).catch((err: unknown) => logger.error({ err }, 'sqs_supervisor_crashed'));
    // The function's module loads while the first messages are received, not after.
    fn.prepare();
    this.unregisterActivity = this.context.activity?.register(mapping.UUID, { pending: (_sinceMs, signal) => pendingWorkOf(setup, signal) });
    logger.info(
      {
        queueUrl: queue.url,
        fifo: queue.fifo,
        visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
        effectiveVisibilityTimeoutSeconds: setup.effectiveVisibilitySeconds,
        batchSize: mapping.BatchSize,
        maximumBatchingWindowInSeconds: windowSeconds,
        concurrencyCeiling: setup.scaler.ceiling,
      },
      'sqs_poller_started',
    );
  });

  /** Awaitable and idempotent; see the class comment for what happens to messages held at stop. */
  readonly stop = once(async (): Promise<void> => {
    const { logger, metrics, drainTimeoutMs } = this.context;
    this.stopping = true;
    this.stopController.abort();
    this.unregisterActivity?.();
    if (!this.supervisor) return;
    logger.info({ pollers: this.workers.size, inFlight: this.setup?.admission.inFlight }, 'sqs_poller_stopping');
    const deadline = new AbortController();
    const everything = Promise.allSettled([this.supervisor, ...this.workers.values()]).then(() => true);
    const drained = await Promise.race([everything, sleep(drainTimeoutMs, deadline.signal).then(() => false)]);
    deadline.abort();
    if (!drained) {
      logger.warn({ inFlight: this.setup?.admission.inFlight, drainTimeoutMs }, 'drain_deadline_passed');
      this.drainController.abort();
    }
    metrics.pollers.set(this.labels, 0);
    if (this.context.mapping.ProvisionedPollerConfig) metrics.provisionedPollers.set(this.labels, 0);
    logger.info({ drained }, 'sqs_poller_stopped');
  });

  /** Keeps the number of pollers at the scaler's target, and takes a scaling decision every interval. */
  private async supervise(setup: SqsPollerSetup): Promise<void> {
    this.spawnPollers(setup);
    while (await sleep(SCALE_INTERVAL_MS, this.stopSignal)) {
      if (this.minimumPollersShare !== undefined) setup.scaler.setMinimum(this.minimumPollersShare);
      const decision = setup.scaler.adjust();
      if (decision.to !== decision.from) this.context.logger.info(decision, 'concurrency_scaled');
      this.spawnPollers(setup);
    }
  }

  private spawnPollers(setup: SqsPollerSetup): void {
    while (!this.stopping && this.activePollers < setup.scaler.target) {
      const id = this.nextWorkerId++;
      const done = this.runPoller(setup, id)
        .catch((err: unknown) => this.context.logger.error({ err, poller: id }, 'sqs_poller_crashed'))
        .finally(() => {
          this.workers.delete(id);
          this.exiting.delete(id);
          this.reportPollers();
        });
      this.workers.set(id, done);
    }
    this.reportPollers();
  }

  private reportPollers(): void {
    this.context.metrics.pollers.set(this.labels, this.activePollers);
    if (this.context.mapping.ProvisionedPollerConfig) this.context.metrics.provisionedPollers.set(this.labels, this.activePollers);
  }

  /**
   * The most pollers the whole fleet may run for this mapping: `ScalingConfig.MaximumConcurrency`, or
   * `ProvisionedPollerConfig.MaximumPollers` in provisioned mode (each of our pollers runs one batch at a time).
   */
  private get fleetLimit(): number | undefined {
    const { mapping } = this.context;
    return mapping.ScalingConfig?.MaximumConcurrency ?? mapping.ProvisionedPollerConfig?.MaximumPollers;
  }

  /** Provisioned mode: this replica's share of `MinimumPollers`, so the fleet as a whole runs at least that many. */
  private get minimumPollersShare(): number | undefined {
    const minimum = this.context.mapping.ProvisionedPollerConfig?.MinimumPollers;
    return minimum === undefined ? undefined : Math.ceil(minimum / Math.max(1, this.context.fleetSize()));
  }

  private get activePollers(): number {
    return this.workers.size - this.exiting.size;
  }

  /**
   * One poller. With a fleet limit (see {@link fleetLimit}), it first takes one of the mapping's slots, shared by
   * every replica, and holds it while it runs: the fleet never runs more pollers — so never more invocations —
   * than the limit.
   */
  private async runPoller(setup: SqsPollerSetup, id: number): Promise<void> {
    const { slots, keys, mapping } = this.context;
    const limit = this.fleetLimit;
    const fleetSlot = limit === undefined ? undefined : await slots.acquire(keys.mappingSlots(mapping.UUID), limit, this.stopSignal);
    if (limit !== undefined && !fleetSlot) return;
    const loop = new SqsPollLoop({
      context: this.context,
      setup,
      labels: this.labels,
      stopSignal: this.stopSignal,
      drainSignal: this.drainSignal,
      ...(fleetSlot ? { slotLapsed: () => !slots.holds(fleetSlot) } : {}),
      claimExit: () => {
        if (this.activePollers <= setup.scaler.target) return false;
        this.exiting.add(id);
        return true;
      },
    });
    try {
      await loop.run();
    } finally {
      if (fleetSlot) await slots.release(fleetSlot);
    }
  }

}

function regionOf(queueArn: string): string | undefined {
  const region = queueArn.split(':')[3];
  return region ? region : undefined;
}


/**
 * What the mapping still has to do: invocations in flight here, and messages in the queue — visible, received and
 * not deleted (by any consumer), or delayed. Idle when all are zero.
 */
async function pendingWorkOf(setup: SqsPollerSetup, signal: AbortSignal): Promise<PendingWork[]> {
  const pending: PendingWork[] = [];
  const invoking = setup.admission.inFlight;
  if (invoking > 0) pending.push({ reason: `${invoking} invocation${invoking === 1 ? '' : 's'} in flight` });
  const counts = await setup.client.countMessages(signal);
  if (counts.visible > 0) pending.push({ reason: `${counts.visible} visible message${counts.visible === 1 ? '' : 's'} in the queue` });
  if (counts.inFlight > 0) pending.push({ reason: `${counts.inFlight} message${counts.inFlight === 1 ? '' : 's'} received and not deleted (in flight, or failed and waiting out the visibility timeout)` });
  if (counts.delayed > 0) pending.push({ reason: `${counts.delayed} delayed message${counts.delayed === 1 ? '' : 's'}` });
  return pending;
}
