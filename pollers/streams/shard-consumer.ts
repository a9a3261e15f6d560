/**
 * ShardConsumer — processes one shard while this worker holds its lease.
 *
 *                 checkpoint says the shard ended
 *   INITIALIZING ─────────────────────────────────────────────┐
 *        │ start position resolved                             ▼
 *        ▼                       closed, read to the end   SHARD_ENDED ── mark shard end ── release (forget) ──┐
 *    PROCESSING ─────────────────────────────────────────────▲                                                  │
 *        │ read ▸ filter ▸ batch ▸ invoke/retry/bisect ▸ settle ▸ checkpoint (loop)                             ▼
 *        │                                                                                                     DONE
 *        ├─ stop() / hand-over ────────▶ SHUTTING_DOWN ── final checkpoint ── release ─────────────────────────▲
 *        └─ lease lost (any state) ────▶ LEASE_LOST ── stop without writing ───────────────────────────────────┘
 *
 * Exit reasons decide the last action (STYLE C6): `shard_ended` marks the shard ended so its children may start
 * and deletes the lease; `lease_lost` writes nothing (another worker owns the shard now); `shutting_down` and
 * `handoff` let the batch in flight finish (until the drain deadline), checkpoint what is settled and release
 * the lease for another worker to take at once.
 */
import { LeaseLostError } from '../../src/leases/lease-error.js';
import type { HeldLease } from '../../src/leases/lease.js';
import type { CheckpointStore } from '../../src/checkpoints/checkpoint-store.js';
import { SequenceTracker } from '../../src/checkpoints/sequence-tracker.js';
import type { FilterCriteriaMatcher } from '../../src/batch/filter-criteria.js';
import type { OnFailureDestinations } from '../../src/destinations/on-failure-destination.js';
import type { LambdaFunction } from '../../src/functions/lambda-function.js';
import type { EventSourceMapping } from '../../src/mappings/event-source-mapping.js';
import type { MappingStatus } from '../../src/mappings/mapping-status.js';
import type { Logger } from '../../src/observability/logger.js';
import type { MappingLabels, Metrics } from '../../src/observability/metrics.js';
import { ERROR_BACKOFF, exponentialDelayMs, sleep } from '../../src/runtime/backoff.js';
import { BatchAssembler } from './batch-assembler.js';
import { BatchProcessor } from './batch-processor.js';
import { retrySettingsOf } from './retry-policy.js';
import { ShardFetcher } from './shard-fetcher.js';
import type { IteratorPosition, ShardInfo } from './shard-reader.js';
import { arrivalFloorMs, startPosition } from './start-position.js';
import type { StreamSource } from './stream-source.js';

export type ShardConsumerState = 'INITIALIZING' | 'PROCESSING' | 'SHARD_ENDED' | 'SHUTTING_DOWN' | 'LEASE_LOST' | 'DONE';

/** Allowed transitions; anything else is a bug. */
export const SHARD_CONSUMER_TRANSITIONS: Readonly<Record<ShardConsumerState, readonly ShardConsumerState[]>> = {
  INITIALIZING: ['PROCESSING', 'SHARD_ENDED', 'SHUTTING_DOWN', 'LEASE_LOST'],
  PROCESSING: ['SHARD_ENDED', 'SHUTTING_DOWN', 'LEASE_LOST'],
  SHARD_ENDED: ['DONE', 'LEASE_LOST'],
  SHUTTING_DOWN: ['DONE', 'LEASE_LOST'],
  LEASE_LOST: ['DONE'],
  DONE: [],
};

/** Why a consumer stopped. `failed`: an unexpected error; the lease was released without writing. */
export type ShardExitReason = 'shard_ended' | 'lease_lost' | 'shutting_down' | 'handoff' | 'failed';

/** What the consumer does with its lease at exit (the lease coordinator). */
export interface ShardLeaseHandle {
  /** Gives up the lease with this `counter` (a newer lease on the shard is left alone). */
  release(shardId: string, options: { readonly forget?: boolean; readonly counter: number }): Promise<void>;
  drop(shardId: string, counter: number): void;
}

export interface ShardConsumerOptions<R> {
  readonly source: StreamSource<R>;
  readonly shard: ShardInfo;
  readonly lease: HeldLease;
  /** A parent of this shard was processed by this mapping (a child without checkpoint starts at its beginning). */
  readonly parentProcessed: boolean;
  readonly mapping: EventSourceMapping;
  readonly fn: LambdaFunction;
  readonly filter: FilterCriteriaMatcher;
  readonly checkpoints: CheckpointStore;
  readonly leases: ShardLeaseHandle;
  readonly destinations: OnFailureDestinations;
  readonly metrics: Metrics;
  readonly labels: MappingLabels;
  readonly logger: Logger;
  readonly status: MappingStatus;
  /** Pause between reads of a caught-up shard, ms. */
  readonly idlePollIntervalMs: number;
  /** How long a stop waits for the invocation in flight, ms. */
  readonly drainTimeoutMs: number;
  /** Wall clock, epoch ms (record age, iterator age, failure record timestamps). @defaultValue Date.now */
  readonly now?: () => number;
}

export class ShardConsumer<R> {
  private state: ShardConsumerState = 'INITIALIZING';
  /** Stops reading, retrying and waiting (stop or lease loss). */
  private readonly halt = new AbortController();
  /** Stops waiting for the invocation in flight (drain deadline, lease loss). */
  private readonly drain = new AbortController();
  private drainTimer: NodeJS.Timeout | undefined;
  private stopReason: 'shutting_down' | 'handoff' | undefined;
  private leaseLost = false;
  private tracker = new SequenceTracker();
  private committed: string | undefined;
  private start: IteratorPosition = { type: 'TRIM_HORIZON' };
  private skipArrivedBeforeMs: number | undefined;
  private readonly logger: Logger;
  private readonly shardId: string;

  constructor(private readonly options: ShardConsumerOptions<R>) {
    this.shardId = options.shard.shardId;
    this.logger = options.logger.child({ shardId: this.shardId });
  }

  /** Current state (for logs and tests). */
  get currentState(): ShardConsumerState {
    return this.state;
  }

  /**
   * Stops gracefully: no new reads; the invocation in flight may finish until the drain deadline; what is
   * settled is checkpointed and the lease released. `run()` resolves when done.
   */
  stop(reason: 'shutting_down' | 'handoff' = 'shutting_down'): void {
    if (this.stopReason || this.leaseLost || this.state === 'DONE') return;
    this.stopReason = reason;
    this.halt.abort();
    this.drainTimer = setTimeout(() => this.drain.abort(), this.options.drainTimeoutMs);
  }

  /** The lease is gone: stop at once and write nothing. */
  loseLease(): void {
    this.leaseLost = true;
    this.halt.abort();
    this.drain.abort();
  }

  /** Processes the shard until it ends, the lease is lost or `stop()` is called. Never rejects. */
  async run(): Promise<ShardExitReason> {
    try {
      let next = await this.initialize();
      if (next === 'PROCESSING') {
        this.transition('PROCESSING');
        next = await this.process();
      }
      return await this.finish(next);
    } catch (err) {
      if (err instanceof LeaseLostError) return this.finish('LEASE_LOST');
      this.logger.error({ err, state: this.state }, 'shard_consumer_failed');
      await this.options.leases.release(this.shardId, { counter: this.options.lease.counter });
      this.state = 'DONE';
      return 'failed';
    } finally {
      clearTimeout(this.drainTimer);
    }
  }

  private transition(to: ShardConsumerState): void {
    if (!SHARD_CONSUMER_TRANSITIONS[this.state].includes(to)) {
      throw new Error(`shard consumer cannot go from ${this.state} to ${to}`);
    }
    this.logger.debug({ from: this.state, to }, 'shard_consumer_state');
    this.state = to;
  }

  private async initialize(): Promise<ShardConsumerState> {
    const { mapping, parentProcessed } = this.options;
    const checkpoint = await this.options.checkpoints.get(this.shardId);
    if (this.leaseLost) return 'LEASE_LOST';
    if (checkpoint?.shardEnded) return 'SHARD_ENDED';
    if (this.stopReason) return 'SHUTTING_DOWN';
    this.tracker = new SequenceTracker(checkpoint?.sequenceNumber);
    this.committed = checkpoint?.sequenceNumber;
    const { supportsAtTimestamp } = this.options.source.reader;
    let position = startPosition(mapping, checkpoint, parentProcessed, supportsAtTimestamp);
    this.skipArrivedBeforeMs = arrivalFloorMs(checkpoint, supportsAtTimestamp);
    if (position.type === 'LATEST' && !supportsAtTimestamp) {
      // Without AT_TIMESTAMP the first LATEST iterator of a shard is pinned: a later start (restart, lease move,
      // failure) before anything was checkpointed reads on from the pin instead of from a new LATEST.
      const nowMs = Date.now(); // the pin is a wall-clock instant, as the stream poller's pins are
      const pinnedStartMs = await this.options.checkpoints.pinStart(this.shardId, nowMs);
      if (pinnedStartMs !== undefined && pinnedStartMs !== nowMs) {
        const pinned = { shardEnded: false, pinnedStartMs };
        position = startPosition(mapping, pinned, parentProcessed, supportsAtTimestamp);
        this.skipArrivedBeforeMs = arrivalFloorMs(pinned, supportsAtTimestamp);
      }
    }
    this.start = position;
    this.logger.info({ position, skipArrivedBeforeMs: this.skipArrivedBeforeMs, counter: this.options.lease.counter }, 'shard_consumer_started');
    return 'PROCESSING';
  }

  /** The read ▸ batch ▸ invoke ▸ settle loop. */
  private async process(): Promise<ShardConsumerState> {
    const { source, mapping, metrics, labels, filter } = this.options;
    const halt = this.halt.signal;
    const fetcher = new ShardFetcher({
      reader: source.reader,
      events: source.events,
      shardId: this.shardId,
      start: this.start,
      ...(this.skipArrivedBeforeMs !== undefined ? { skipArrivedBeforeMs: this.skipArrivedBeforeMs } : {}),
      limit: source.reader.maxRecordsPerRead,
      metrics,
      labels,
      logger: this.logger,
    });
    const assembler = new BatchAssembler({ batchSize: mapping.BatchSize });
    const processor = new BatchProcessor({
      mapping,
      fn: this.options.fn,
      destinations: this.options.destinations,
      metrics,
      labels,
      logger: this.logger,
      status: this.options.status,
      settings: retrySettingsOf(mapping),
      source: source.events.source,
      batchInfoKey: source.events.batchInfoKey,
      streamArn: source.streamArn,
      shardId: this.shardId,
      halt,
      drain: this.drain.signal,
      settle: (sequenceNumbers) => this.settle(sequenceNumbers),
      ...(this.options.now ? { now: this.options.now } : {}),
    });
    const windowMs = mapping.MaximumBatchingWindowInSeconds * 1000;
    const now = () => performance.now();
    let nextReadAt = 0;
    let bufferedSince = now();
    let lastCompletion = now();

    while (!halt.aborted) {
      const t = now();
      // MaximumBatchingWindowInSeconds: gather from the first buffered record (at the earliest when the previous
      // invocation completed) until the window closes, the batch is full or the payload cap is reached.
      const windowEnd = Math.max(bufferedSince, lastCompletion) + windowMs;
      const windowOpen = windowMs > 0 && t < windowEnd;
      const wantRead = !fetcher.ended && !assembler.isFull && (assembler.isEmpty || windowOpen);
      if (wantRead) {
        // Back-to-back while behind; once caught up, wait the idle interval (AWS polls an idle shard once a second).
        const wait = assembler.isEmpty ? nextReadAt - t : Math.min(nextReadAt - t, windowEnd - t);
        if (wait > 0) {
          if (!(await sleep(wait, halt))) break;
          continue;
        }
        const wasEmpty = assembler.isEmpty;
        const read = await fetcher.fetch(halt);
        if (!read) break;
        nextReadAt = read.caughtUp ? now() + this.options.idlePollIntervalMs : 0;
        if (read.records.length > 0) {
          this.tracker.track(read.records.map((record) => record.sequenceNumber));
          assembler.push(read.records.map((record) => ({ record, matched: filter.isEmpty || this.passesFilter(filter, record.event, record.sequenceNumber) })));
          if (wasEmpty) bufferedSince = now();
        }
        continue;
      }
      if (assembler.isEmpty) return 'SHARD_ENDED'; // read to the end and everything settled

      const batch = assembler.take()!;
      if (batch.filteredOut.length > 0) {
        metrics.filteredOutEvents.inc(labels, batch.filteredOut.length);
        await this.settle(batch.filteredOut);
      }
      if (batch.records.length > 0 && (await processor.process(batch.records)) === 'interrupted') break;
      lastCompletion = now();
    }
    return this.leaseLost ? 'LEASE_LOST' : 'SHUTTING_DOWN';
  }

  /**
   * A record the filters cannot evaluate (e.g. data nested deeper than the matcher can walk) is delivered: skipping
   * it would drop a record nobody saw, and throwing would stop the shard on every retry.
   */
  private passesFilter(filter: FilterCriteriaMatcher, event: Record<string, unknown>, sequenceNumber: string): boolean {
    try {
      return filter.matches(event);
    } catch (err) {
      this.logger.warn({ err, sequenceNumber }, 'filter_evaluation_failed');
      return true;
    }
  }

  /** Marks records settled and moves the checkpoint as far as the settled prefix allows. */
  private async settle(sequenceNumbers: readonly string[]): Promise<void> {
    this.tracker.settle(sequenceNumbers);
    await this.commit();
  }

  /**
   * Writes the checkpoint if it moved, retrying store errors with backoff until it succeeds or the consumer is
   * halted. Throws LeaseLostError when the lease was taken.
   * @returns false when halted before the write succeeded
   */
  private async commit(): Promise<boolean> {
    for (let failures = 0; ; failures += 1) {
      const target = this.tracker.checkpoint;
      if (target === undefined || target === this.committed) return true;
      try {
        await this.options.checkpoints.commit(this.options.lease, target);
        this.committed = target;
        return true;
      } catch (err) {
        if (err instanceof LeaseLostError) {
          this.leaseLost = true;
          throw err;
        }
        this.logger.warn({ err, sequenceNumber: target, failures: failures + 1 }, 'checkpoint_commit_failed');
        if (!(await sleep(exponentialDelayMs(ERROR_BACKOFF, failures + 1), this.halt.signal))) return false;
      }
    }
  }

  private async finish(next: ShardConsumerState): Promise<ShardExitReason> {
    const { leases } = this.options;
    if (next === 'SHARD_ENDED') {
      this.transition('SHARD_ENDED');
      try {
        await this.options.checkpoints.markShardEnded(this.options.lease, this.tracker.checkpoint);
      } catch (err) {
        if (err instanceof LeaseLostError) return this.finish('LEASE_LOST');
        throw err;
      }
      this.logger.info({ lastSequenceNumber: this.tracker.checkpoint }, 'shard_ended');
      await leases.release(this.shardId, { forget: true, counter: this.options.lease.counter });
      this.transition('DONE');
      return 'shard_ended';
    }
    if (next === 'SHUTTING_DOWN') {
      this.transition('SHUTTING_DOWN');
      try {
        // Final checkpoint: everything settled so far (usually already written after each batch).
        const target = this.tracker.checkpoint;
        if (target !== undefined && target !== this.committed) await this.options.checkpoints.commit(this.options.lease, target);
      } catch (err) {
        if (err instanceof LeaseLostError) return this.finish('LEASE_LOST');
        this.logger.warn({ err }, 'final_checkpoint_failed');
      }
      await leases.release(this.shardId, { counter: this.options.lease.counter });
      this.transition('DONE');
      this.logger.info({ reason: this.stopReason ?? 'shutting_down', checkpoint: this.tracker.checkpoint }, 'shard_consumer_stopped');
      return this.stopReason ?? 'shutting_down';
    }
    this.transition('LEASE_LOST');
    leases.drop(this.shardId, this.options.lease.counter);
    this.transition('DONE');
    this.logger.warn({ counter: this.options.lease.counter }, 'shard_consumer_lease_lost');
    return 'lease_lost';
  }
}
