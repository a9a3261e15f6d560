import { randomUUID } from 'node:crypto';
import type { AwsClientFactory } from '../aws/client-factory.js';
import { DurableJobQueue, PermanentJobError, type JobAttempt, type ReplicaWait } from '../jobs/durable-job-queue.js';
import type { Metrics } from '../observability/metrics.js';
import type { RedisSettings } from '../redis/redis-connection.js';
import type { Logger } from '../observability/logger.js';
import type { RedisKeys } from '../redis/keys.js';
import { once } from '../runtime/lifecycle.js';
import { DEFAULT_DELIVERY_BACKOFF_MS, DEFAULT_MAX_DELIVERY_BACKOFF_MS, deliveryRetryDelayMs } from './delivery-backoff.js';
import { PermanentDestinationError } from './destination-error.js';
import type { QueuedDelivery } from './destination-target.js';
import { DestinationTargets } from './destination-targets.js';
import type { AsyncInvoker } from './function-destination.js';
import type { FailureDelivery, OnFailureDestinations } from './on-failure-destination.js';
import { queuedDeliveryOf, streamFailureDelivery } from './stream-delivery.js';

/** Delivery attempts of one delivery before it is left in BullMQ's failed set (≈ 1.5 h with the backoff below). */
export const DEFAULT_DELIVERY_ATTEMPTS = 25;
/** Deliveries in flight at once per process. */
export const DEFAULT_DELIVERY_CONCURRENCY = 8;
/** Time one delivery attempt may take before it is aborted and counted as failed, ms. */
export const DELIVERY_ATTEMPT_TIMEOUT_MS = 30_000;
/** Time `stop()` lets deliveries in flight finish before aborting them (they are delivered after the next start), ms. */
export const STOP_GRACE_MS = 10_000;
const JOB_NAME = 'delivery';

export interface DestinationQueueOptions {
  /** Where Redis is; BullMQ opens its own connections there. */
  readonly redis: RedisSettings;
  /** Replicas that must confirm a stored job before it counts as stored. */
  readonly replicaWait?: ReplicaWait;
  readonly keys: RedisKeys;
  readonly aws: AwsClientFactory;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** @defaultValue {@link DEFAULT_DELIVERY_ATTEMPTS} */
  readonly attempts?: number;
  /** Delay before the first retry, ms. @defaultValue {@link DEFAULT_DELIVERY_BACKOFF_MS} */
  readonly backoffMs?: number;
  /** Cap of the retry delay, ms. @defaultValue {@link DEFAULT_MAX_DELIVERY_BACKOFF_MS} */
  readonly maxBackoffMs?: number;
  /** @defaultValue {@link DEFAULT_DELIVERY_CONCURRENCY} */
  readonly concurrency?: number;
  /**
   * Told after each attempt to deliver a stream mapping's failure record: the problem (`PROBLEM: …`) when it
   * failed, undefined when it was delivered. The mapping's `LastProcessingResult` shows it meanwhile.
   */
  readonly reportDestinationProblem?: (mappingUuid: string, problem: string | undefined) => void;
}

/**
 * Every delivery to a destination, through one durable queue in Redis: stream mappings' on-failure records
 * (spec §3.7), asynchronous invocation records and dead-letter events (spec §6.3).
 *
 * `enqueue`/`enqueueDelivery` resolve once Redis stored the delivery, so a stream poller may move its checkpoint
 * and an asynchronous event may be completed. A worker in every replica delivers each job to its SQS queue, SNS
 * topic, S3 bucket or function with capped exponential retries; a job that exhausts its attempts (or can never
 * succeed, e.g. a FIFO destination) stays in BullMQ's failed set, visible in `esm_destination_queue_jobs`.
 */
export class DestinationQueue implements OnFailureDestinations {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly concurrency: number;
  private readonly targets: DestinationTargets;
  private readonly logger: Logger;
  private readonly jobs: DurableJobQueue<QueuedDelivery>;
  private workerStarted = false;

  constructor(private readonly options: DestinationQueueOptions) {
    this.attempts = options.attempts ?? DEFAULT_DELIVERY_ATTEMPTS;
    this.backoffMs = options.backoffMs ?? DEFAULT_DELIVERY_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_DELIVERY_BACKOFF_MS;
    this.concurrency = options.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY;
    this.targets = new DestinationTargets(options.aws);
    this.logger = options.logger;
    this.jobs = new DurableJobQueue<QueuedDelivery>({
      name: options.keys.failureQueueName,
      redis: options.redis,
      ...(options.replicaWait ? { replicaWait: options.replicaWait } : {}),
      prefix: options.keys.bullPrefix,
      logger: options.logger,
      component: 'destination',
      concurrency: this.concurrency,
      process: (attempt) => this.deliver(attempt),
      // The base delay travels with the job, so jobs queued by an older configuration keep theirs.
      retryDelayMs: (attemptsMade, baseMs) => deliveryRetryDelayMs(attemptsMade, baseMs ?? this.backoffMs, this.maxBackoffMs),
      onAttemptFailed: (job, err, final) => this.onAttemptFailed(job, err, final),
      onFailedJobsDropped: (jobs) => this.options.metrics.failedJobsDropped.inc({ queue: 'destination' }, jobs.length),
      // A process that dies mid-delivery leaves its job stalled; another worker retries it. Allow as many such
      // recoveries as delivery attempts so a crash loop does not fail records on its own.
      maxStalledCount: this.attempts,
      stopGraceMs: STOP_GRACE_MS,
    });
  }

  /** Where function destinations queue their events (asynchronous invocation, once built). */
  setAsyncInvoker(invoker: AsyncInvoker): void {
    this.targets.setAsyncInvoker(invoker);
  }

  /** Starts the delivery worker; resolves once its Redis connection is ready. */
  async start(): Promise<void> {
    this.openCounter();
    await this.jobs.start();
    this.workerStarted = true;
    this.logger.info({ concurrency: this.concurrency, attempts: this.attempts }, 'destination_worker_started');
  }

  /** A stream mapping's failure record. Resolves once it is a job in Redis; rejects (nothing queued) otherwise. */
  /** Deliveries of the fleet not delivered yet (queued, being sent, or waiting to retry). */
  pendingDeliveries(): Promise<number> {
    return this.jobs.unfinished();
  }

  enqueue(failure: FailureDelivery): Promise<void> {
    return this.enqueueDelivery(streamFailureDelivery(failure, randomUUID()));
  }

  /** Resolves once the delivery is a job in Redis; rejects (nothing queued) if it could not be stored. */
  async enqueueDelivery(delivery: QueuedDelivery): Promise<void> {
    if (this.jobs.isStopped) throw new Error('The destination queue is stopped: the delivery was not queued');
    this.openCounter();
    const jobId = await this.jobs.add(JOB_NAME, delivery, { attempts: this.attempts, backoffMs: this.backoffMs });
    this.logger.debug({ jobId, ...logFields(delivery) }, 'destination_enqueued');
  }

  /**
   * Closes the worker (deliveries in flight finish, or are aborted after {@link STOP_GRACE_MS} and left for
   * the next start), then the queue. Idempotent; every call returns the same promise.
   */
  readonly stop = once(async () => {
    this.options.metrics.setDestinationQueueCounter(undefined);
    await this.jobs.stop();
    if (this.workerStarted) this.logger.info('destination_worker_stopped');
  });

  private openCounter(): void {
    if (!this.jobs.isStopped) this.options.metrics.setDestinationQueueCounter(() => this.jobs.counts());
  }

  private async deliver(attempt: JobAttempt<QueuedDelivery>): Promise<void> {
    const delivery = queuedDeliveryOf(attempt.data);
    const signal = AbortSignal.any([attempt.signal, AbortSignal.timeout(DELIVERY_ATTEMPT_TIMEOUT_MS)]);
    try {
      await this.targets.forArn(delivery.destinationArn).deliver(delivery, signal);
    } catch (err) {
      if (attempt.signal.aborted) throw err;
      this.countFailure(delivery);
      const error = err instanceof Error ? err : new Error(String(err));
      this.reportProblem(delivery, `PROBLEM: On-failure destination delivery failed: ${delivery.destinationArn}: ${error.name}: ${error.message}`);
      if (err instanceof PermanentDestinationError) throw new PermanentJobError(`${err.name}: ${err.message}`);
      throw err;
    }
    if (delivery.kind === 'stream-failure') this.options.metrics.onFailureDestinationDeliveredEvents.inc(delivery.labels, delivery.eventCount);
    this.reportProblem(delivery, undefined);
    this.logger.debug({ jobId: attempt.id, ...logFields(delivery), attempt: attempt.attemptsMade + 1 }, 'destination_delivered');
  }

  private reportProblem(delivery: QueuedDelivery, problem: string | undefined): void {
    if (delivery.kind === 'stream-failure' && delivery.labels.mapping) this.options.reportDestinationProblem?.(delivery.labels.mapping, problem);
  }

  private countFailure(delivery: QueuedDelivery): void {
    if (delivery.kind === 'dead-letter') this.options.metrics.deadLetterErrors.inc({ function: delivery.labels.function });
    else this.options.metrics.destinationDeliveryFailures.inc(delivery.labels);
  }

  /** After each failed attempt (BullMQ has already scheduled the retry or moved the job to the failed set). */
  private onAttemptFailed(job: { id: string; data: QueuedDelivery; attemptsMade: number }, err: Error, final: boolean): void {
    const delivery = queuedDeliveryOf(job.data);
    const fields = { err, jobId: job.id, ...logFields(delivery), attempts: job.attemptsMade };
    if (!final) {
      this.logger.warn(fields, 'destination_delivery_retrying');
      return;
    }
    // Spec §3.7: DroppedEventCount includes the events whose destination delivery failed.
    if (delivery.kind === 'stream-failure') this.options.metrics.droppedEvents.inc(delivery.labels, delivery.eventCount);
    this.logger.error(fields, 'destination_delivery_failed');
  }
}

function logFields(delivery: QueuedDelivery): Record<string, unknown> {
  return {
    kind: delivery.kind,
    destinationArn: delivery.destinationArn,
    function: delivery.labels.function,
    ...(delivery.labels.mapping ? { esmUuid: delivery.labels.mapping } : {}),
    ...(delivery.shardId ? { shardId: delivery.shardId } : {}),
    eventCount: delivery.eventCount,
  };
}
