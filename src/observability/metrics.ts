import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the service exports, declared once on a registry of our own (never prom-client's global one,
 * so a second instance or a test gets a clean set). Components receive this object by constructor.
 *
 * Label sets are bounded: `mapping` (ESM UUID), `function`, `source` (sqs | kinesis | dynamodb), `shard`,
 * `outcome`. Never a message id or sequence number.
 */
const MAPPING_LABELS = ['mapping', 'function', 'source'] as const;
const SHARD_LABELS = ['mapping', 'function', 'source', 'shard'] as const;

/** Invocation duration buckets, seconds: from a no-op handler up to Lambda's 900 s ceiling. */
const DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
/** Asynchronous event age buckets, seconds: from immediate to Lambda's 6 h maximum event age. */
const ASYNC_EVENT_AGE_BUCKETS_SECONDS = [0.01, 0.1, 0.5, 1, 5, 10, 60, 300, 900, 3600, 21600];
/** Batch size buckets, records. */
const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export type MappingLabels = { mapping: string; function: string; source: string };
export type ShardLabels = MappingLabels & { shard: string };

/** States of the on-failure delivery queue exported by `esm_destination_queue_jobs`. */
export const DESTINATION_QUEUE_STATES = ['waiting', 'delayed', 'failed'] as const;
export type DestinationQueueState = (typeof DESTINATION_QUEUE_STATES)[number];
/** Counts the on-failure delivery queue's jobs by state; called at scrape time. */
export type DestinationQueueCounter = () => Promise<Readonly<Record<DestinationQueueState, number>>>;

export class Metrics {
  readonly registry: Registry;

  // Event counts (CloudWatch's ESM EventCount group, spec §5).
  readonly polledEvents: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly filteredOutEvents: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly invokedEvents: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly failedInvokeEvents: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly deletedEvents: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly deleteFailures: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly droppedEvents: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly onFailureDestinationDeliveredEvents: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly destinationDeliveryFailures: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly retries: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly pollingErrors: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly eventBuildFailures: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly trimmedPositions: Counter<(typeof MAPPING_LABELS)[number]>;
  readonly positionsLost: Counter<(typeof MAPPING_LABELS)[number]>;

  readonly invocationDuration: Histogram<(typeof MAPPING_LABELS)[number] | 'outcome'>;
  readonly batchSize: Histogram<(typeof MAPPING_LABELS)[number]>;

  readonly concurrentInvocations: Gauge<(typeof MAPPING_LABELS)[number]>;
  readonly pollers: Gauge<(typeof MAPPING_LABELS)[number]>;
  readonly provisionedPollers: Gauge<(typeof MAPPING_LABELS)[number]>;
  readonly iteratorAge: Gauge<(typeof SHARD_LABELS)[number]>;
  readonly leasesHeld: Gauge<(typeof MAPPING_LABELS)[number]>;
  /** Failure records in the on-failure delivery queue by state; counted at scrape by the registered counter. */
  readonly destinationQueueJobs: Gauge<'state'>;
  private destinationQueueCounter: DestinationQueueCounter | undefined;

  // Function side (the Invoke API and every poller invocation).
  readonly functionInvocations: Counter<'function' | 'outcome'>;
  readonly functionDuration: Histogram<'function' | 'outcome'>;
  readonly functionConcurrentExecutions: Gauge<'function'>;

  // Asynchronous invocation (CloudWatch's AsyncEventsReceived, AsyncEventAge, AsyncEventsDropped, DeadLetterErrors).
  readonly asyncEventsReceived: Counter<'function'>;
  readonly asyncEventAge: Histogram<'function'>;
  readonly asyncEventsDropped: Counter<'function' | 'condition'>;
  readonly deadLetterErrors: Counter<'function'>;
  readonly failedJobsDropped: Counter<'queue'>;
  /** Asynchronous events in the event queue by state; counted at scrape by the registered counter. */
  readonly asyncQueueJobs: Gauge<'state'>;
  private asyncQueueCounter: DestinationQueueCounter | undefined;

  // Redis as the service found it.
  readonly redisPersistence: Gauge<'setting'>;
  readonly redisDataLoss: Counter;

  constructor(options: { collectProcessMetrics?: boolean } = {}) {
    const registry = new Registry();
    this.registry = registry;
    if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: registry });

    const counter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: MAPPING_LABELS, registers: [registry] });

    this.polledEvents = counter('esm_polled_events_total', 'Events read from the source.');
    this.filteredOutEvents = counter('esm_filtered_out_events_total', 'Events removed by FilterCriteria.');
    this.invokedEvents = counter('esm_invoked_events_total', 'Events sent to the function; retries count again.');
    this.failedInvokeEvents = counter(
      'esm_failed_invoke_events_total',
      'Events whose invocation failed, including those reported in batchItemFailures.',
    );
    this.deletedEvents = counter('esm_deleted_events_total', 'SQS messages deleted after processing or filtering.');
    this.deleteFailures = counter('esm_delete_failures_total', 'SQS message deletions that failed (the message will be seen again).');
    this.droppedEvents = counter(
      'esm_dropped_events_total',
      'Stream records discarded after retries or record age were exhausted and not delivered to a destination.',
    );
    this.onFailureDestinationDeliveredEvents = counter(
      'esm_on_failure_destination_delivered_events_total',
      'Stream records whose failure record reached the on-failure destination.',
    );
    this.destinationDeliveryFailures = counter(
      'esm_destination_delivery_failures_total',
      'Failed attempts to deliver a failure record to the on-failure destination.',
    );
    this.retries = counter('esm_retries_total', 'Batches invoked again after a failed attempt.');
    this.pollingErrors = counter('esm_polling_errors_total', 'Errors while reading from the event source.');
    this.trimmedPositions = counter(
      'esm_trimmed_positions_total',
      "Times a shard's checkpoint was past the stream's retention: reading resumed at the oldest record, skipping the rest.",
    );
    this.positionsLost = counter(
      'esm_positions_lost_total',
      "Times a stream mapping found its checkpoints gone from Redis while it ran: its shards without checkpoint replay from TRIM_HORIZON instead of starting at LATEST.",
    );
    this.eventBuildFailures = counter(
      'esm_event_build_failures_total',
      'Stream records that could not be turned into an event; each is given up as an exhausted record.',
    );

    this.invocationDuration = new Histogram({
      name: 'esm_invocation_duration_seconds',
      help: 'Duration of function invocations made by event source mappings, by outcome.',
      labelNames: [...MAPPING_LABELS, 'outcome'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'esm_batch_size',
      help: 'Records per invocation.',
      labelNames: MAPPING_LABELS,
      buckets: BATCH_SIZE_BUCKETS,
      registers: [registry],
    });

    const gauge = (name: string, help: string) =>
      new Gauge({ name, help, labelNames: MAPPING_LABELS, registers: [registry] });
    this.concurrentInvocations = gauge('esm_concurrent_invocations', 'Invocations in flight for the mapping.');
    this.pollers = gauge('esm_pollers', 'Active pollers of the mapping.');
    this.provisionedPollers = gauge('esm_provisioned_pollers', 'Active pollers of an SQS mapping in provisioned mode (ProvisionedPollerConfig), on this replica.');
    this.leasesHeld = gauge('esm_leases_held', 'Shard leases held by this process for the mapping.');
    this.iteratorAge = new Gauge({
      name: 'esm_iterator_age_seconds',
      help: 'Age of the last record sent to the function: now minus its arrival in the stream.',
      labelNames: SHARD_LABELS,
      registers: [registry],
    });

    /** A gauge of a durable queue's jobs by state, counted at scrape time by the counter registered then. */
    const queueJobsGauge = (name: string, help: string, counterOf: () => DestinationQueueCounter | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          const counter = counterOf();
          if (!counter) return;
          try {
            const counts = await counter();
            for (const state of DESTINATION_QUEUE_STATES) this.set({ state }, counts[state]);
          } catch {
            // Keep the last values: a scrape must not fail because the queue could not be counted.
          }
        },
      });
    this.destinationQueueJobs = queueJobsGauge(
      'esm_destination_queue_jobs',
      'Deliveries in the destination queue (failure records, invocation records, dead letters), by state (waiting, delayed, failed).',
      () => this.destinationQueueCounter,
    );

    this.functionInvocations = new Counter({
      name: 'esm_function_invocations_total',
      help: 'Function invocations by outcome (success, function_error, timed_out, throttled, invoke_error).',
      labelNames: ['function', 'outcome'],
      registers: [registry],
    });
    this.functionDuration = new Histogram({
      name: 'esm_function_duration_seconds',
      help: 'Function invocation duration by outcome.',
      labelNames: ['function', 'outcome'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [registry],
    });
    this.functionConcurrentExecutions = new Gauge({
      name: 'esm_function_concurrent_executions',
      help: 'Invocations of the function running now.',
      labelNames: ['function'],
      registers: [registry],
    });

    this.asyncEventsReceived = new Counter({
      name: 'esm_async_events_received_total',
      help: 'Asynchronous invocations (InvocationType Event) queued for the function.',
      labelNames: ['function'],
      registers: [registry],
    });
    this.asyncEventAge = new Histogram({
      name: 'esm_async_event_age_seconds',
      help: 'Time from queueing an asynchronous event to each invocation of it.',
      labelNames: ['function'],
      buckets: ASYNC_EVENT_AGE_BUCKETS_SECONDS,
      registers: [registry],
    });
    this.asyncEventsDropped = new Counter({
      name: 'esm_async_events_dropped_total',
      help: 'Asynchronous events given up without a successful invocation, by condition (RetriesExhausted, EventAgeExceeded).',
      labelNames: ['function', 'condition'],
      registers: [registry],
    });
    this.deadLetterErrors = new Counter({
      name: 'esm_dead_letter_errors_total',
      help: 'Failed attempts to send an asynchronous event to the function dead-letter queue.',
      labelNames: ['function'],
      registers: [registry],
    });
    this.failedJobsDropped = new Counter({
      name: 'esm_failed_jobs_dropped_total',
      help: 'Jobs removed from a full failed set, oldest first: undeliverable failure records (queue="destination") or async events (queue="async").',
      labelNames: ['queue'],
      registers: [registry],
    });
    this.asyncQueueJobs = queueJobsGauge(
      'esm_async_queue_jobs',
      'Asynchronous events in the event queue, by state (waiting, delayed = waiting out a retry, failed).',
      () => this.asyncQueueCounter,
    );

    this.redisPersistence = new Gauge({
      name: 'esm_redis_persistence_enabled',
      help: 'Whether Redis persists every write (setting="appendonly": 1 yes, 0 no); without it a Redis restart loses checkpoints and queued records. Absent when CONFIG cannot be read.',
      labelNames: ['setting'],
      registers: [registry],
    });
    this.redisDataLoss = new Counter({
      name: 'esm_redis_data_loss_total',
      help: "Times this replica found the fleet's marker key gone or replaced: Redis lost data (restarted empty, flushed, failed over to a stale replica).",
      registers: [registry],
    });
  }

  /** Registers (or with `undefined` removes) what `esm_async_queue_jobs` counts at scrape time. */
  setAsyncQueueCounter(counter: DestinationQueueCounter | undefined): void {
    this.asyncQueueCounter = counter;
  }

  /** Registers (or with `undefined` removes) what `esm_destination_queue_jobs` counts at scrape time. */
  setDestinationQueueCounter(counter: DestinationQueueCounter | undefined): void {
    this.destinationQueueCounter = counter;
  }
}
