import { compareSequenceNumbers } from '../../src/checkpoints/sequence-number.js';
import { readProblem, type MappingStatus } from '../../src/mappings/mapping-status.js';
import type { Logger } from '../../src/observability/logger.js';
import type { MappingLabels, Metrics } from '../../src/observability/metrics.js';
import { ERROR_BACKOFF, exponentialDelayMs, sleep } from '../../src/runtime/backoff.js';
import { buildStreamRecord } from './build-stream-record.js';
import type { FetchResult, ShardFeed } from './shard-feed.js';
import type { IteratorPosition } from './shard-reader.js';
import type { PushedEvent, ShardSubscriber } from './shard-subscriber.js';
import type { StreamEventBuilder, StreamRecord } from './stream-event-builder.js';

export interface ShardPushFeedOptions<R> {
  readonly subscriber: ShardSubscriber<R>;
  readonly events: StreamEventBuilder<R>;
  readonly shardId: string;
  /** Where the first subscription starts (the checkpoint, a pinned start or the mapping's StartingPosition). */
  readonly start: IteratorPosition;
  readonly metrics: Metrics;
  readonly labels: MappingLabels;
  readonly logger: Logger;
  /** Told when the subscription's target is gone (consumer or shard not found), which retrying may not cure. */
  readonly status?: MappingStatus;
  readonly random?: () => number;
  /** Wall clock, epoch ms. @defaultValue Date.now */
  readonly now?: () => number;
}

interface Subscription<R> {
  readonly events: AsyncIterator<PushedEvent<R>>;
  readonly closer: AbortController;
}

/**
 * Hands a shard's records to its consumer from a subscription (Kinesis enhanced fan-out, SubscribeToShard), as
 * Lambda reads an EFO consumer: one subscription per shard at a time; when it ends (Kinesis ends every one after
 * 5 minutes) or fails, a new one starts right after the last record handed over — or at the start position when
 * none was — after a backoff when it failed. An event without continuation, or naming child shards, ends the shard.
 *
 * The event stream is read only while the consumer asks for records: while its lanes are full nothing is taken
 * from the stream, whose HTTP/2 flow control then stops the sender, so memory stays bounded.
 */
export class ShardPushFeed<R> implements ShardFeed {
  readonly pushes = true;
  private subscription: Subscription<R> | undefined;
  private lastSequenceNumber: string | undefined;
  private finished = false;
  private closed = false;
  private failures = 0;
  private subscriptions = 0;
  private readonly random: () => number;

  constructor(private readonly options: ShardPushFeedOptions<R>) {
    this.random = options.random ?? Math.random;
  }

  get ended(): boolean {
    return this.finished;
  }

  async fetch(signal: AbortSignal): Promise<FetchResult | undefined> {
    const { shardId, metrics, labels, logger } = this.options;
    while (!signal.aborted && !this.closed && !this.finished) {
      try {
        this.subscription ??= await this.subscribe(signal);
        const next = await nextUnlessAborted(this.subscription.events, signal);
        if (next === undefined) {
          // An event that comes after the abort would be lost with the call awaiting it: the next fetch subscribes anew.
          this.dropSubscription();
          return undefined;
        }
        if (next.done) {
          logger.info({ shardId, after: this.lastSequenceNumber }, 'shard_subscription_ended');
          this.dropSubscription();
          continue;
        }
        this.failures = 0;
        return this.handOver(next.value);
      } catch (err) {
        this.dropSubscription();
        if (signal.aborted || this.closed) return undefined;
        this.failures += 1;
        metrics.pollingErrors.inc(labels);
        const delayMs = exponentialDelayMs(ERROR_BACKOFF, this.failures, this.random);
        const kind = this.options.subscriber.classifyError(err);
        if (kind === 'not_found') this.options.status?.record(readProblem(err));
        logger.warn({ shardId, err, kind, failures: this.failures, delayMs }, 'shard_subscription_failed');
        if (!(await sleep(delayMs, signal))) return undefined;
      }
    }
    return undefined;
  }

  close(): void {
    this.closed = true;
    this.dropSubscription();
  }

  private async subscribe(signal: AbortSignal): Promise<Subscription<R>> {
    const { subscriber, shardId, logger } = this.options;
    const position: IteratorPosition =
      this.lastSequenceNumber !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.lastSequenceNumber } : this.options.start;
    const closer = new AbortController();
    const onAbort = () => closer.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    closer.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
    try {
      const events = await subscriber.subscribe(shardId, position, closer.signal);
      this.subscriptions += 1;
      logger.info({ shardId, position, subscription: this.subscriptions }, 'shard_subscribed');
      return { events: events[Symbol.asyncIterator](), closer };
    } catch (err) {
      closer.abort();
      throw err;
    }
  }

  private handOver(event: PushedEvent<R>): FetchResult {
    const { shardId, metrics, labels, logger } = this.options;
    const requestedAtMs = (this.options.now ?? Date.now)();
    let records: StreamRecord[] = event.records.map((record) => buildStreamRecord(record, shardId, this.options));
    const floor = this.lastSequenceNumber;
    // A subscription starts after the last record handed over; never hand one over twice whatever the service sends.
    if (floor !== undefined) records = records.filter((record) => compareSequenceNumbers(record.sequenceNumber, floor) > 0);
    if (records.length > 0) this.lastSequenceNumber = records[records.length - 1]!.sequenceNumber;
    metrics.polledEvents.inc(labels, records.length);
    if (event.continuationSequenceNumber === null || event.childShardIds.length > 0) {
      this.finished = true;
      this.dropSubscription();
      logger.info({ shardId, childShardIds: event.childShardIds, lastSequenceNumber: this.lastSequenceNumber }, 'shard_subscription_reached_shard_end');
    }
    // Pushed events carry no read limit: caught up means the service says so. `requestedAtMs` is when the event was
    // taken, a little after it was pushed: a record written in between comes in the next event.
    return { records, caughtUp: event.millisBehindLatest === 0, ended: this.finished, requestedAtMs };
  }

  private dropSubscription(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    if (!subscription) return;
    subscription.closer.abort();
    // Ends the SDK's event stream; its rejection (the aborted request) has nobody else to go to.
    subscription.events.return?.().catch(() => undefined);
  }
}

/** The iterator's next result, or undefined as soon as `signal` aborts (the pending call is then abandoned). */
async function nextUnlessAborted<T>(events: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const next = events.next();
  next.catch(() => undefined); // a rejection after the abort is not ours to report
  try {
    return await Promise.race([next, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
