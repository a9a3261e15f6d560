import { randomUUID } from 'node:crypto';
import { DurableJobQueue, PermanentJobError, type JobAttempt, type ReplicaWait } from '../jobs/durable-job-queue.js';
import type { DestinationQueue } from '../destinations/destination-queue.js';
import type { QueuedDelivery } from '../destinations/destination-target.js';
import { FunctionNotConfiguredError, type AsyncInvoker } from '../destinations/function-destination.js';
import { isS3Destination, isSnsDestination } from '../destinations/destination-arn.js';
import { s3AsyncObjectKey } from '../destinations/s3-object-key.js';
import type { FunctionRegistry } from '../functions/function-registry.js';
import { LOCAL_ACCOUNT_ID } from '../functions/function-definition.js';
import type { LambdaFunction } from '../functions/lambda-function.js';
import type { InvokeOutcome } from '../functions/invoker.js';
import type { Metrics } from '../observability/metrics.js';
import type { RedisSettings } from '../redis/redis-connection.js';
import type { Logger } from '../observability/logger.js';
import type { RedisKeys } from '../redis/keys.js';
import { once } from '../runtime/lifecycle.js';
import { newAsyncEvent, type AsyncEvent } from './async-event.js';
import { decideAfterAttempt, expiredBeforeAttempt, type AsyncCondition, type AsyncTiming } from './async-retry-policy.js';
import { asyncSettingsOf, type AsyncSettings } from './event-invoke-config.js';
import type { EventInvokeConfigStore } from './event-invoke-config-store.js';
import { MAX_SNS_RECORD_BYTES, buildInvocationRecord, deadLetterAttributes, recordTextWithin } from './invocation-record.js';

/**
 * Lock of an event being invoked: renewed while the invocation runs; a crashed process's events run again on
 * another worker after about twice this, ms.
 */
export const ASYNC_LOCK_DURATION_MS = 10_000;
/** Attempts for failures of the worker itself (Redis errors while settling an event), not of the function. */
const WORKER_ATTEMPTS = 25;
/** Base of the backoff between such attempts, ms. */
const WORKER_RETRY_BACKOFF_MS = 1_000;
/** Recoveries of an event whose process died while invoking it: many, so a crash loop does not drop events. */
const MAX_STALLED_RECOVERIES = 100;
const JOB_NAME = 'event';
/** `source` label of deliveries made for asynchronous invocations. */
const ASYNC_SOURCE = 'async';

export interface AsyncInvocationsOptions {
  /** Where Redis is; BullMQ opens its own connections there. */
  readonly redis: RedisSettings;
  /** Replicas that must confirm a stored event before it counts as accepted. */
  readonly replicaWait?: ReplicaWait;
  readonly keys: RedisKeys;
  readonly functions: FunctionRegistry;
  readonly configs: EventInvokeConfigStore;
  readonly destinations: DestinationQueue;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly region: string;
  /** Multiplies every retry wait and the maximum event age; 1 = AWS's timings. */
  readonly timeScale: number;
  /** Events invoked at once by this process. */
  readonly concurrency: number;
  /** How long `stop()` lets invocations in flight finish before leaving them for the next start, ms. */
  readonly drainTimeoutMs: number;
}

/**
 * Asynchronous invocation (spec §6): `invokeAsync` stores the event in a durable queue in Redis shared by every
 * replica and resolves once it is stored (the Invoke API then answers 202). A worker in each process takes
 * events and invokes them with Lambda's rules — function errors retried `MaximumRetryAttempts` times after 1 and
 * 2 minutes, throttles and system errors retried with backoff until `MaximumEventAgeInSeconds` — then sends the
 * invocation record to the on-success or on-failure destination and the event to the dead-letter queue, through
 * the destination queue. Nothing accepted is lost: an event stays in Redis until its outcome is durably queued.
 */
export class AsyncInvocations implements AsyncInvoker {
  private readonly jobs: DurableJobQueue<AsyncEvent>;
  private readonly logger: Logger;
  private readonly concurrency: number;

  constructor(private readonly options: AsyncInvocationsOptions) {
    this.logger = options.logger;
    this.concurrency = options.concurrency;
    this.jobs = new DurableJobQueue<AsyncEvent>({
      name: options.keys.asyncQueueName,
      redis: options.redis,
      ...(options.replicaWait ? { replicaWait: options.replicaWait } : {}),
      prefix: options.keys.bullPrefix,
      logger: options.logger,
      component: 'async',
      concurrency: this.concurrency,
      process: (attempt) => this.handle(attempt),
      retryDelayMs: (attemptsMade, baseMs) => Math.min(60_000, (baseMs ?? WORKER_RETRY_BACKOFF_MS) * 2 ** (attemptsMade - 1)),
      onAttemptFailed: (job, err, final) =>
        this.logger[final ? 'error' : 'warn'](
          { err, jobId: job.id, function: job.data.functionName, requestId: job.data.requestId, attempts: job.attemptsMade },
          final ? 'async_event_failed' : 'async_event_retrying',
        ),
      onFailedJobsDropped: (jobs) => this.options.metrics.failedJobsDropped.inc({ queue: 'async' }, jobs.length),
      maxStalledCount: MAX_STALLED_RECOVERIES,
      lockDurationMs: ASYNC_LOCK_DURATION_MS,
      stopGraceMs: options.drainTimeoutMs,
    });
  }

  /** Writes the file's event invoke configs to the shared store, then starts this process's worker. */
  async start(): Promise<void> {
    for (const fn of this.options.functions.all()) {
      const config = fn.definition.eventInvokeConfig;
      if (config) await this.options.configs.put(fn.name, config);
    }
    this.options.metrics.setAsyncQueueCounter(() => this.jobs.counts());
    await this.jobs.start();
    this.logger.info({ concurrency: this.concurrency, timeScale: this.options.timeScale }, 'async_worker_started');
  }

  /**
   * Queues an event for `functionName`; resolves with its request id once Redis stored it.
   * @throws FunctionNotConfiguredError when no configured function has that name.
   */
  async invokeAsync(functionName: string, payload: string): Promise<void> {
    await this.enqueue(functionName, payload);
  }

  /** As {@link invokeAsync}, resolving with the request id answered to the caller. */
  async enqueue(functionName: string, payload: string, requestId: string = randomUUID()): Promise<string> {
    if (!this.options.functions.get(functionName)) {
      throw new FunctionNotConfiguredError(`Function not found: ${this.localArn(functionName)}`, this.localArn(functionName));
    }
    this.options.metrics.setAsyncQueueCounter(() => this.jobs.counts());
    const jobId = await this.jobs.add(JOB_NAME, newAsyncEvent(functionName, requestId, payload, Date.now()), {
      attempts: WORKER_ATTEMPTS,
      backoffMs: WORKER_RETRY_BACKOFF_MS,
    });
    this.options.metrics.asyncEventsReceived.inc({ function: functionName });
    this.logger.debug({ jobId, function: functionName, requestId }, 'async_event_queued');
    return requestId;
  }

  /** Stops taking events; invocations in flight finish within the drain timeout, or run again after the next start. */
  readonly stop = once(async () => {
    this.options.metrics.setAsyncQueueCounter(undefined);
    await this.jobs.stop();
    this.logger.info('async_worker_stopped');
  });

  private async handle(attempt: JobAttempt<AsyncEvent>): Promise<void> {
    const event = attempt.data;
    const fn = this.options.functions.get(event.functionName);
    // The function left the configuration while its event waited: the job stays in the failed set, visible.
    if (!fn) throw new PermanentJobError(`function ${event.functionName} is no longer configured`);
    const settings = asyncSettingsOf(await this.options.configs.get(fn.name));
    const timing = (): AsyncTiming => ({ now: Date.now(), timeScale: this.options.timeScale });
    if (expiredBeforeAttempt(event, settings, timing())) return this.giveUp(fn, event, 'EventAgeExceeded', settings);
    // Spec §6.1: with reserved concurrency 0 events go to the failure path at once, without retries.
    if (fn.definition.reservedConcurrency === 0) return this.giveUp(fn, event, 'RetriesExhausted', settings);
    const outcome = await this.invoke(fn, event, attempt.signal);
    const decision = decideAfterAttempt(event, outcome, settings, timing());
    switch (decision.kind) {
      case 'succeeded':
        if (settings.onSuccess) await this.deliverRecord(fn, decision.event, 'Success', settings.onSuccess);
        this.logger.debug({ function: fn.name, requestId: event.requestId, invokeCount: decision.event.invokeCount }, 'async_event_succeeded');
        return;
      case 'retry':
        this.logger.debug(
          { function: fn.name, requestId: event.requestId, outcome: outcome.kind, delayMs: Math.round(decision.delayMs), invokeCount: decision.event.invokeCount },
          'async_event_retry_scheduled',
        );
        return attempt.retryLater(decision.delayMs, decision.event);
      case 'give_up':
        return this.giveUp(fn, decision.event, decision.condition, settings);
    }
  }

  /** One invocation; past the function's reserved concurrency (counted fleet-wide by LambdaFunction) it is a throttle. */
  private async invoke(fn: LambdaFunction, event: AsyncEvent, signal: AbortSignal): Promise<InvokeOutcome> {
    let onAbort: (() => void) | undefined;
    try {
      this.options.metrics.asyncEventAge.observe({ function: fn.name }, Math.max(0, Date.now() - event.queuedAt) / 1000);
      const invocation = fn.invoke(event.payload, { requestId: event.requestId });
      // A stop that ran out of drain time leaves the event for the next start (the queue moves it back).
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(new Error('stopped before the invocation ended'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      return await Promise.race([invocation, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  /** The failure path: the record to the on-failure destination and the event to the dead-letter queue, both durably queued. */
  private async giveUp(fn: LambdaFunction, event: AsyncEvent, condition: Exclude<AsyncCondition, 'Success'>, settings: AsyncSettings): Promise<void> {
    if (settings.onFailure) await this.deliverRecord(fn, event, condition, settings.onFailure);
    const deadLetterArn = fn.definition.deadLetterConfig?.TargetArn;
    if (deadLetterArn) {
      await this.options.destinations.enqueueDelivery({
        kind: 'dead-letter',
        destinationArn: deadLetterArn,
        deliveryId: randomUUID(),
        message: event.payload,
        messageAttributes: deadLetterAttributes(event),
        eventCount: 1,
        labels: { mapping: '', function: fn.name, source: ASYNC_SOURCE },
      });
    }
    this.options.metrics.asyncEventsDropped.inc({ function: fn.name, condition });
    this.logger.warn(
      {
        function: fn.name,
        requestId: event.requestId,
        condition,
        invokeCount: event.invokeCount,
        onFailure: settings.onFailure ?? null,
        deadLetter: deadLetterArn ?? null,
      },
      'async_event_dropped',
    );
  }

  private async deliverRecord(fn: LambdaFunction, event: AsyncEvent, condition: AsyncCondition, destinationArn: string): Promise<void> {
    const now = new Date();
    const deliveryId = randomUUID();
    const built = buildInvocationRecord(event, condition, this.localArn(fn.name), now);
    const record = isSnsDestination(destinationArn) ? recordTextWithin(built, MAX_SNS_RECORD_BYTES) : JSON.stringify(built);
    const delivery: QueuedDelivery = {
      kind: 'async-record',
      destinationArn,
      deliveryId,
      message: record,
      ...(isS3Destination(destinationArn) ? { s3Object: { key: s3AsyncObjectKey(fn.name, now, deliveryId), body: record } } : {}),
      eventCount: 1,
      labels: { mapping: '', function: fn.name, source: ASYNC_SOURCE },
    };
    await this.options.destinations.enqueueDelivery(delivery);
  }

  /** The unqualified ARN of a configured function in this service's region and local account. */
  private localArn(functionName: string): string {
    return `arn:aws:lambda:${this.options.region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
  }
}

