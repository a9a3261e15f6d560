import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type RedisOptions } from 'bullmq';
import type { AwsClientFactory } from '../aws/client-factory.js';
import type { DestinationQueueState, MappingLabels, Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { RedisKeys } from '../redis/keys.js';
import { once, runAll } from '../runtime/lifecycle.js';
import {
  CAPPED_EXPONENTIAL_BACKOFF,
  DEFAULT_DELIVERY_BACKOFF_MS,
  DEFAULT_MAX_DELIVERY_BACKOFF_MS,
  deliveryRetryDelayMs,
} from './delivery-backoff.js';
import { parseDestinationArn } from './destination-arn.js';
import { PermanentDestinationError } from './destination-error.js';
import type { QueuedDelivery } from './destination-target.js';
import { DestinationTargets } from './destination-targets.js';
import type { FailureDelivery, OnFailureDestinations } from './on-failure-destination.js';

/** Delivery attempts of one failure record before it is left in BullMQ's failed set (≈ 1.5 h with the backoff below). */
export const DEFAULT_DELIVERY_ATTEMPTS = 25;
/** Deliveries in flight at once per process. */
export const DEFAULT_DELIVERY_CONCURRENCY = 8;
/** Time one delivery attempt may take before it is aborted and counted as failed, ms. */
export const DELIVERY_ATTEMPT_TIMEOUT_MS = 30_000;
/** Time `stop()` lets deliveries in flight finish before aborting them (they are delivered after the next start), ms. */
export const STOP_GRACE_MS = 10_000;
/** How long a scrape waits for the queue counts before keeping the last values, ms. */
const QUEUE_COUNT_TIMEOUT_MS = 1_000;
/** Delivered jobs kept in BullMQ's completed set for inspection: at most 1000, at most an hour old. */
const KEEP_COMPLETED = { count: 1_000, age: 3_600 };
const JOB_NAME = 'failure-record';

export interface BullmqOnFailureDestinationsOptions {
  /** Redis URL; BullMQ opens its own connections with it. */
  readonly redisUrl: string;
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
}

/**
 * On-failure delivery through a durable BullMQ queue in Redis (spec §3.7).
 *
 * `enqueue` stores the delivery as a job and resolves once Redis acknowledged it, so the stream pollers may move
 * their checkpoint. `start` runs a worker that delivers each job to its SQS queue, SNS topic or S3 bucket with
 * capped exponential retries; a job that exhausts its attempts (or can never succeed, e.g. a FIFO destination)
 * stays in BullMQ's failed set, visible and counted in `esm_dropped_events_total`. Jobs left by a stopped or
 * crashed process are delivered by the next worker on the same Redis.
 */
export class BullmqOnFailureDestinations implements OnFailureDestinations {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly concurrency: number;
  private readonly targets: DestinationTargets;
  private readonly logger: Logger;
  /** Aborted when `stop()` gives up waiting for deliveries in flight. */
  private readonly stopping = new AbortController();
  private queue: Queue<QueuedDelivery> | undefined;
  private worker: Worker<QueuedDelivery> | undefined;
  private stopped = false;
  private countInFlight: Promise<Record<DestinationQueueState, number>> | undefined;
  private readonly countQueue = () => this.countJobs();

  constructor(private readonly options: BullmqOnFailureDestinationsOptions) {
    this.attempts = options.attempts ?? DEFAULT_DELIVERY_ATTEMPTS;
    this.backoffMs = options.backoffMs ?? DEFAULT_DELIVERY_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_DELIVERY_BACKOFF_MS;
    this.concurrency = options.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY;
    this.targets = new DestinationTargets(options.aws);
    this.logger = options.logger;
  }

  /** Starts the delivery worker; resolves once its Redis connection is ready. */
  async start(): Promise<void> {
    if (this.stopped) throw new Error('BullmqOnFailureDestinations cannot start again after stop()');
    if (this.worker) return;
    const queue = this.openQueue();
    const worker = new Worker<QueuedDelivery>(
      this.options.keys.failureQueueName,
      (job, token) => this.deliver(job, token),
      {
        connection: this.connection('destinations-worker'),
        prefix: this.options.keys.bullPrefix,
        concurrency: this.concurrency,
        // A process that dies mid-delivery leaves its job stalled; another worker retries it. Allow as many such
        // recoveries as delivery attempts so a crash loop does not fail records on its own.
        maxStalledCount: this.attempts,
        settings: { backoffStrategy: (attemptsMade, type, _err, job) => this.retryDelayMs(attemptsMade, type, job?.opts.backoff) },
      },
    );
    this.worker = worker;
    worker.on('error', logSparingly(this.logger, 'destination_worker_error'));
    worker.on('failed', (job, err) => {
      if (job) this.onAttemptFailed(job, err);
    });
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    this.logger.info({ concurrency: this.concurrency, attempts: this.attempts }, 'destination_worker_started');
  }

  /** Resolves once the delivery is a job in Redis; rejects (nothing queued) if it could not be stored. */
  async enqueue(delivery: FailureDelivery): Promise<void> {
    if (this.stopped) throw new Error('BullmqOnFailureDestinations is stopped: the failure record was not queued');
    const data: QueuedDelivery = {
      destinationArn: delivery.destinationArn,
      record: delivery.record,
      // Only S3 objects carry the invocation event; it is not worth keeping in Redis for SQS and SNS.
      payload: carriesPayload(delivery.destinationArn) ? delivery.payload : '',
      eventCount: delivery.eventCount,
      mappingUuid: delivery.mappingUuid,
      functionName: delivery.functionName,
      source: delivery.source,
      shardId: delivery.shardId,
      deliveryId: randomUUID(),
    };
    const job = await this.openQueue().add(JOB_NAME, data, {
      attempts: this.attempts,
      backoff: { type: CAPPED_EXPONENTIAL_BACKOFF, delay: this.backoffMs },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: false,
    });
    this.logger.debug(
      { jobId: job.id, destinationArn: data.destinationArn, esmUuid: data.mappingUuid, shardId: data.shardId, eventCount: data.eventCount },
      'destination_enqueued',
    );
  }

  /**
   * Closes the worker (deliveries in flight finish, or are aborted after {@link STOP_GRACE_MS} and left for
   * the next start), then the queue. Idempotent; every call returns the same promise.
   */
  readonly stop = once(async () => {
    this.stopped = true;
    this.options.metrics.setDestinationQueueCounter(undefined);
    const worker = this.worker;
    const queue = this.queue;
    const errors = await runAll([
      async () => {
        if (!worker) return;
        const closed = worker.close();
        const grace = setTimeout(() => this.stopping.abort(), STOP_GRACE_MS);
        try {
          await closed;
        } finally {
          clearTimeout(grace);
        }
      },
      () => queue?.close(),
    ]);
    for (const err of errors) this.logger.warn({ err }, 'destination_stop_error');
    if (worker) this.logger.info('destination_worker_stopped');
  });

  private openQueue(): Queue<QueuedDelivery> {
    if (!this.queue) {
      const queue = new Queue<QueuedDelivery>(this.options.keys.failureQueueName, {
        connection: this.connection('destinations-queue'),
        prefix: this.options.keys.bullPrefix,
      });
      queue.on('error', logSparingly(this.logger, 'destination_queue_error'));
      this.queue = queue;
      this.options.metrics.setDestinationQueueCounter(this.countQueue);
    }
    return this.queue;
  }

  /** Connection options, not a client: BullMQ builds and owns its connections (the worker needs blocking ones). */
  private connection(name: string): RedisOptions {
    return {
      url: this.options.redisUrl,
      maxRetriesPerRequest: null,
      connectionName: `esm-poller:${name}`,
      retryStrategy: (times: number) => Math.min(times * 200, 2_000),
    };
  }

  private async deliver(job: Job<QueuedDelivery>, token: string | undefined): Promise<void> {
    const delivery = job.data;
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(DELIVERY_ATTEMPT_TIMEOUT_MS)]);
    try {
      await this.targets.forArn(delivery.destinationArn).deliver(delivery, signal);
    } catch (err) {
      if (this.stopping.signal.aborted && token !== undefined) {
        // Interrupted by stop(), not refused by the destination: no attempt is spent, the next start delivers it.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      this.options.metrics.destinationDeliveryFailures.inc(labelsOf(delivery));
      if (err instanceof PermanentDestinationError) throw new UnrecoverableError(`${err.name}: ${err.message}`);
      throw err;
    }
    this.options.metrics.onFailureDestinationDeliveredEvents.inc(labelsOf(delivery), delivery.eventCount);
    this.logger.debug(
      {
        jobId: job.id,
        destinationArn: delivery.destinationArn,
        esmUuid: delivery.mappingUuid,
        shardId: delivery.shardId,
        eventCount: delivery.eventCount,
        attempt: job.attemptsMade + 1,
      },
      'destination_delivered',
    );
  }

  /** After each failed attempt (BullMQ has already scheduled the retry or moved the job to the failed set). */
  private onAttemptFailed(job: Job<QueuedDelivery>, err: Error): void {
    const delivery = job.data;
    const final = err.name === UnrecoverableError.name || job.attemptsMade >= (job.opts.attempts ?? 1);
    const fields = {
      err,
      jobId: job.id,
      destinationArn: delivery.destinationArn,
      esmUuid: delivery.mappingUuid,
      shardId: delivery.shardId,
      eventCount: delivery.eventCount,
      attempts: job.attemptsMade,
    };
    if (!final) {
      this.logger.warn(fields, 'destination_delivery_retrying');
      return;
    }
    // Spec §3.7: DroppedEventCount includes the events whose destination delivery failed.
    this.options.metrics.droppedEvents.inc(labelsOf(delivery), delivery.eventCount);
    this.logger.error(fields, 'destination_delivery_failed');
  }

  private retryDelayMs(attemptsMade: number, type: string | undefined, backoff: unknown): number {
    if (type !== CAPPED_EXPONENTIAL_BACKOFF) return this.backoffMs;
    // The base delay travels with the job, so jobs queued by an older configuration keep theirs.
    const delay = (backoff as { delay?: unknown } | undefined)?.delay;
    const baseMs = typeof delay === 'number' && delay >= 0 ? delay : this.backoffMs;
    return deliveryRetryDelayMs(attemptsMade, baseMs, this.maxBackoffMs);
  }

  /** Queue counts for `esm_destination_queue_jobs`: one count in flight at a time, bounded by a timeout. */
  private async countJobs(): Promise<Record<DestinationQueueState, number>> {
    const queue = this.queue;
    if (!queue) return { waiting: 0, delayed: 0, failed: 0 };
    this.countInFlight ??= queue
      .getJobCounts('waiting', 'delayed', 'failed')
      .then((counts) => ({ waiting: counts.waiting ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 }))
      .finally(() => {
        this.countInFlight = undefined;
      });
    const timeout = AbortSignal.timeout(QUEUE_COUNT_TIMEOUT_MS);
    return await Promise.race([
      this.countInFlight,
      new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(timeout.reason), { once: true })),
    ]);
  }
}

function labelsOf(delivery: FailureDelivery): MappingLabels {
  return { mapping: delivery.mappingUuid, function: delivery.functionName, source: delivery.source };
}

function carriesPayload(destinationArn: string): boolean {
  try {
    return parseDestinationArn(destinationArn).service === 's3';
  } catch {
    return false;
  }
}

/** Repeats of one error are logged at most once a minute, so an outage does not flood the log. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/** An `error` listener (without one an emitter's error kills the process) that logs repeats of an error sparingly. */
function logSparingly(logger: Logger, event: string): (err: Error) => void {
  let last = '';
  let loggedAt = 0;
  return (err) => {
    const now = Date.now();
    if (err.message === last && now - loggedAt < ERROR_LOG_INTERVAL_MS) return;
    last = err.message;
    loggedAt = now;
    logger.warn({ err }, event);
  };
}
