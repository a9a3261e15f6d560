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
import type { WindowCheckpoint } from '../../src/checkpoints/shard-checkpoint.js';
import { ShardCheckpointer } from '../../src/checkpoints/shard-checkpointer.js';
import type { FilterCriteriaMatcher } from '../../src/batch/filter-criteria.js';
import type { OnFailureDestinations } from '../../src/destinations/on-failure-destination.js';
import type { LambdaFunction } from '../../src/functions/lambda-function.js';
import type { EventSourceMapping } from '../../src/mappings/event-source-mapping.js';
import type { MappingStatus } from '../../src/mappings/mapping-status.js';
import type { Logger } from '../../src/observability/logger.js';
import type { MappingJournal } from '../../src/journal/journal-entry.js';
import type { MappingLabels, Metrics } from '../../src/observability/metrics.js';
import { BatchProcessor } from './batch-processor.js';
import { retrySettingsOf } from './retry-policy.js';
import { ShardFetcher, readLimit } from './shard-fetcher.js';
import type { FetchResult, ShardFeed } from './shard-feed.js';
import { ShardPushFeed } from './shard-push-feed.js';
import { laneOf } from './lane-router.js';
import { ShardLane, type LaneStep } from './shard-lane.js';
import { ShardWindow } from './shard-window.js';
import type { IteratorPosition, ShardInfo } from './shard-reader.js';
import { arrivalFloorMs, mayStartAtLatest, startPosition } from './start-position.js';
import type { StreamSource } from './stream-source.js';
import { nextIdlePollAt } from './idle-poll.js';

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
  /** Whether the lease with this `counter` is still held, asked before each invocation (see LeaseCoordinator.confirm). */
  confirm(shardId: string, counter: number): Promise<boolean>;
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
  /** Where invocations are recorded. */
  readonly journal?: MappingJournal;
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
  /** Created once the stored checkpoint is read. */
  private checkpointer: ShardCheckpointer | undefined;
  private start: IteratorPosition = { type: 'TRIM_HORIZON' };
  /** The tumbling window open at the stored checkpoint. */
  private storedWindow: WindowCheckpoint | undefined;
  private skipArrivedBeforeMs: number | undefined;
  /** A fresh LATEST start pinned at a moment: where reading resumes if its iterator is lost before the first read. */
  private latestResumesAt: { readonly start: IteratorPosition; readonly skipArrivedBeforeMs?: number } | undefined;
  private readonly logger: Logger;
  private readonly shardId: string;
  /** The lanes while processing (for {@link pendingWork}). */
  private lanes: readonly ShardLane[] = [];
  /** Wall-clock start of the latest read that came back caught up with the tip (or 0). */
  private caughtUpReadStartedAtMs = 0;
  private readToEnd = false;

  constructor(private readonly options: ShardConsumerOptions<R>) {
    this.shardId = options.shard.shardId;
    this.logger = options.logger.child({ shardId: this.shardId });
  }

  /**
   * What the consumer still has to do with what the shard held at `sinceMs` (wall clock), or undefined when
   * nothing: a read started since then came back caught up, and no record is buffered or in a batch in flight
   * (invoking, waiting to retry, or queuing its failure record).
   */
  pendingWork(sinceMs: number): string | undefined {
    if (this.state === 'INITIALIZING') return 'starting';
    if (this.state !== 'PROCESSING') return this.state === 'DONE' || this.state === 'SHARD_ENDED' ? undefined : `stopping (${this.state})`;
    const busy = this.lanes.filter((lane) => lane.busy).length;
    if (busy > 0) return `${busy === 1 ? 'a batch is' : `${busy} batches are`} in flight (invoking, waiting to retry, or queuing failure records)`;
    if (this.lanes.some((lane) => !lane.drained)) return 'records read are waiting for their batch (batching window)';
    if (!this.readToEnd && this.caughtUpReadStartedAtMs < sinceMs) return 'not read up to the tip of the shard since the wait began';
    return undefined;
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
        next = await this.process(this.checkpointer!);
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
    this.checkpointer = new ShardCheckpointer({
      store: this.options.checkpoints,
      lease: this.options.lease,
      ...(checkpoint?.sequenceNumber !== undefined ? { checkpoint: checkpoint.sequenceNumber } : {}),
      halt: this.halt.signal,
      logger: this.logger,
    });
    this.storedWindow = checkpoint?.window;
    if (this.leaseLost) return 'LEASE_LOST';
    if (checkpoint?.shardEnded) return 'SHARD_ENDED';
    if (this.stopReason) return 'SHUTTING_DOWN';
    const { supportsAtTimestamp } = this.options.source.reader;
    let position = startPosition(mapping, checkpoint, parentProcessed, supportsAtTimestamp);
    this.skipArrivedBeforeMs = arrivalFloorMs(checkpoint, supportsAtTimestamp);
    if (position.type === 'LATEST' && !(await mayStartAtLatest(this.options.checkpoints, { ...this.options, logger: this.logger }))) {
      position = { type: 'TRIM_HORIZON' };
    }
    if (position.type === 'LATEST' && !supportsAtTimestamp) {
      // Without AT_TIMESTAMP the first LATEST iterator of a shard is pinned: a later start (restart, lease move,
      // failure) before anything was checkpointed reads on from the pin instead of from a new LATEST.
      const nowMs = Date.now(); // the pin is a wall-clock instant, as the stream poller's pins are
      const pinnedStartMs = await this.options.checkpoints.pinStart(this.shardId, nowMs);
      if (pinnedStartMs !== undefined) {
        const pinned = { shardEnded: false, pinnedStartMs };
        const fromPin = startPosition(mapping, pinned, parentProcessed, supportsAtTimestamp);
        const floorMs = arrivalFloorMs(pinned, supportsAtTimestamp);
        if (pinnedStartMs !== nowMs) {
          position = fromPin;
          this.skipArrivedBeforeMs = floorMs;
        } else this.latestResumesAt = { start: fromPin, ...(floorMs !== undefined ? { skipArrivedBeforeMs: floorMs } : {}) };
      }
    }
    this.start = position;
    this.logger.info({ position, skipArrivedBeforeMs: this.skipArrivedBeforeMs, counter: this.options.lease.counter }, 'shard_consumer_started');
    return 'PROCESSING';
  }

  /** Reads the shard through its feed until the loop ends; the feed is closed whatever happens. */
  private async process(checkpointer: ShardCheckpointer): Promise<ShardConsumerState> {
    const feed = this.feedOf();
    try {
      return await this.loop(checkpointer, feed);
    } finally {
      feed.close();
    }
  }

  /** The shard's feed: SubscribeToShard push when the source subscribes (enhanced fan-out), else GetRecords pull. */
  private feedOf(): ShardFeed {
    const { source, metrics, labels } = this.options;
    const common = {
      events: source.events,
      shardId: this.shardId,
      start: this.start,
      metrics,
      labels,
      logger: this.logger,
      ...(this.options.now ? { now: this.options.now } : {}),
    };
    // Only Kinesis subscribes, and it has AT_TIMESTAMP: no arrival floor or re-derived LATEST start to carry over.
    if (source.subscriber) return new ShardPushFeed({ ...common, subscriber: source.subscriber, status: this.options.status });
    return new ShardFetcher({
      ...common,
      reader: source.reader,
      ...(this.skipArrivedBeforeMs !== undefined ? { skipArrivedBeforeMs: this.skipArrivedBeforeMs } : {}),
      ...(this.latestResumesAt ? { latestResumesAt: this.latestResumesAt } : {}),
      limit: readLimit(source.reader.maxRecordsPerRead, this.options.mapping.BatchSize, this.options.mapping.ParallelizationFactor ?? 1),
    });
  }

  /**
   * The loop: read ▸ route ▸ wait for the first of {records, a lane's step, a timer, stop or lease loss} ▸ settle.
   *
   * The feed (GetRecords pull or SubscribeToShard push) hands records in shard order; each is tracked by the
   * checkpointer, then either settled at once (the filters removed it) or routed to its lane. An idle lane whose batch is complete sends it; its processor runs in
   * the background and every group of records it settles comes back here as a value, which the checkpointer
   * commits (the highest contiguous settled position, fenced by the lease) before the lane may go on. The shard
   * is read only while some lane wants records — an idle lane whose batch may still grow, or, while the shard is
   * behind, a busy lane with nothing buffered (its next batch is read while the function runs) — and no lane has
   * a whole batch waiting, so memory stays bounded by the lanes' batches, one buffered batch each and one read.
   *
   * With tumbling windows the one lane also sends its window's final invoke once the window is over (a record of a
   * later window was read, a caught-up read came after its end, or the shard ended); the window's state comes back
   * with the settled records and is committed with the checkpoint, so a shard ends only after its window closed.
   */
  private async loop(checkpointer: ShardCheckpointer, feed: ShardFeed): Promise<ShardConsumerState> {
    const { mapping, metrics, labels, filter } = this.options;
    const halt = this.halt.signal;
    const now = () => performance.now();
    // ParallelizationFactor lanes, each with its own processor (retries, bisect, record age act per lane). Tumbling
    // windows come with one lane (AWS refuses them with a higher factor), which keeps the shard's window.
    const windowSeconds = mapping.TumblingWindowInSeconds ?? 0;
    const lanes = Array.from(
      { length: mapping.ParallelizationFactor ?? 1 },
      (_, index) =>
        new ShardLane(index, {
          processor: this.processorOf(),
          batchSize: mapping.BatchSize,
          windowMs: mapping.MaximumBatchingWindowInSeconds * 1000,
          now,
          ...(windowSeconds > 0 ? { tumbling: { windowSeconds, window: new ShardWindow(windowSeconds, this.storedWindow) } } : {}),
        }),
    );
    this.lanes = lanes;
    let reading: Promise<FetchResult | undefined> | undefined;
    let readStartedAtMs = 0;
    let nextReadAt = 0;
    // Polled shards are read ahead of a running batch while they are behind. A read made only to read ahead that
    // finds the shard caught up stops reading ahead, and does not start the idle interval: the lane reads again
    // the moment its batch is done, as without reading ahead.
    const readsAhead = !feed.pushes;
    let behind = true;
    let readOnlyAhead = false;

    for (;;) {
      // Send: every idle lane whose batch is complete starts it.
      let t = now();
      if (!halt.aborted) for (const lane of lanes) if (lane.readyToSend(t, feed.ended)) lane.send(feed.ended);

      // Read: back-to-back while behind; once caught up, the idle interval (AWS polls an idle shard once a second).
      const readAhead = readsAhead && behind;
      const wantRead = !halt.aborted && !reading && !feed.ended && lanes.some((lane) => lane.wantsRecords(t, readAhead)) && !lanes.some((lane) => lane.full);
      if (wantRead && t >= nextReadAt) {
        readStartedAtMs = Date.now();
        readOnlyAhead = !lanes.some((lane) => lane.wantsRecords(t));
        // A tumbling window's lane reads only once its batch is done (see ShardLane.wantsRecords): no page ahead.
        reading = feed.fetch(halt, { readAhead: readAhead && windowSeconds === 0 });
      }

      const inFlight = lanes.flatMap((lane) => (lane.step ? [lane.step] : []));
      if (!reading && inFlight.length === 0) {
        if (halt.aborted) break;
        if (feed.ended && lanes.every((lane) => lane.drained)) return 'SHARD_ENDED'; // read to the end, everything settled
      }

      // Wait for the first thing that can change what to do next.
      // Once halted, only the batches in flight (and a read being aborted) are waited for.
      // The halt and the timer are fresh promises whose listener and timeout are removed when the wait ends: racing
      // one long-lived promise would add a reaction to it at every turn, kept until the shard stops.
      const timers = halt.aborted ? [] : [wantRead && !reading ? nextReadAt : undefined, ...lanes.map((lane) => lane.windowEnd())].filter((at): at is number => at !== undefined);
      let onHalt: (() => void) | undefined;
      let timeout: NodeJS.Timeout | undefined;
      const waits: Promise<unknown>[] = [...inFlight];
      if (!halt.aborted) waits.push(new Promise<'halted'>((resolve) => halt.addEventListener('abort', (onHalt = () => resolve('halted')), { once: true })));
      if (reading) waits.push(reading.then((read) => ({ read })));
      if (timers.length > 0) waits.push(new Promise<'timer'>((resolve) => (timeout = setTimeout(() => resolve('timer'), Math.max(0, Math.min(...timers) - t)))));
      const woke = await Promise.race(waits);
      if (onHalt) halt.removeEventListener('abort', onHalt);
      clearTimeout(timeout);

      // Settle what came.
      if (woke === 'halted' || woke === 'timer') continue;
      if (isRead(woke)) {
        reading = undefined;
        const read = woke.read;
        if (!read) continue;
        t = now();
        // A pushed feed waits for records itself; a polled one pauses once caught up, until the next idle tick.
        nextReadAt = read.caughtUp && !feed.pushes && !readOnlyAhead ? nextIdlePollAt(t, this.options.idlePollIntervalMs) : 0;
        behind = !read.caughtUp;
        if (read.caughtUp) {
          for (const lane of lanes) lane.caughtUp(read.requestedAtMs);
          this.caughtUpReadStartedAtMs = readStartedAtMs;
        }
        if (feed.ended) this.readToEnd = true;
        if (read.records.length === 0) continue;
        checkpointer.track(read.records.map((record) => record.sequenceNumber));
        // A record that could not be built is never filtered out: it is given up where its failure is recorded.
        const kept = filter.isEmpty
          ? read.records
          : read.records.filter((record) => record.buildError !== undefined || this.passesFilter(filter, record.event, record.sequenceNumber));
        if (lanes.length === 1) lanes[0]!.push(kept);
        else for (const record of kept) lanes[laneOf(record.partitionKey, lanes.length)]!.push([record]);
        if (kept.length < read.records.length) {
          // Filtered-out records are settled as they are read: nothing of them is held in memory.
          const keptSet = new Set(kept);
          const filteredOut = read.records.filter((record) => !keptSet.has(record)).map((record) => record.sequenceNumber);
          metrics.filteredOutEvents.inc(labels, filteredOut.length);
          await this.settleOrLoseLease(checkpointer, filteredOut);
        }
        continue;
      }
      const step = woke as LaneStep;
      if (step.kind === 'failed') {
        this.halt.abort(); // no new batches on the other lanes; the lease is released without writing
        throw step.error;
      }
      if (step.kind === 'settled') {
        await this.settleOrLoseLease(checkpointer, step.settled.sequenceNumbers, step.settled.window);
        step.lane.advance();
      }
    }
    return this.leaseLost ? 'LEASE_LOST' : 'SHUTTING_DOWN';
  }

  /** The processor of one lane: retries, bisect, partial responses and on-failure records, per Lambda's rules. */
  private processorOf(): BatchProcessor {
    const { source, mapping, metrics, labels } = this.options;
    return new BatchProcessor({
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
      halt: this.halt.signal,
      drain: this.drain.signal,
      leaseHeld: async () => {
        const held = await this.options.leases.confirm(this.shardId, this.options.lease.counter);
        if (!held) this.loseLease();
        return held;
      },
      ...(this.options.journal ? { journal: this.options.journal } : {}),
      ...(this.options.now ? { now: this.options.now } : {}),
    });
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

  /** Checkpoints settled records (and the window they leave); a lost lease stops every lane at once before it is reported. */
  private async settleOrLoseLease(checkpointer: ShardCheckpointer, settled: readonly string[], window?: WindowCheckpoint | null): Promise<void> {
    try {
      await checkpointer.settle(settled, window);
    } catch (err) {
      if (err instanceof LeaseLostError) this.loseLease();
      throw err;
    }
  }

  private async finish(next: ShardConsumerState): Promise<ShardExitReason> {
    const { leases } = this.options;
    const checkpointer = this.checkpointer;
    if (next === 'SHARD_ENDED') {
      this.transition('SHARD_ENDED');
      try {
        await checkpointer!.markShardEnded();
      } catch (err) {
        if (err instanceof LeaseLostError) return this.finish('LEASE_LOST');
        throw err;
      }
      this.logger.info({ lastSequenceNumber: checkpointer!.checkpoint }, 'shard_ended');
      await leases.release(this.shardId, { forget: true, counter: this.options.lease.counter });
      this.transition('DONE');
      return 'shard_ended';
    }
    if (next === 'SHUTTING_DOWN') {
      this.transition('SHUTTING_DOWN');
      try {
        // Final checkpoint: everything settled so far (usually already written after each step).
        await checkpointer?.flush();
      } catch (err) {
        if (err instanceof LeaseLostError) return this.finish('LEASE_LOST');
        throw err;
      }
      await leases.release(this.shardId, { counter: this.options.lease.counter });
      this.transition('DONE');
      this.logger.info({ reason: this.stopReason ?? 'shutting_down', checkpoint: checkpointer?.checkpoint }, 'shard_consumer_stopped');
      return this.stopReason ?? 'shutting_down';
    }
    this.transition('LEASE_LOST');
    leases.drop(this.shardId, this.options.lease.counter);
    this.transition('DONE');
    this.logger.warn({ counter: this.options.lease.counter }, 'shard_consumer_lease_lost');
    return 'lease_lost';
  }
}

function isRead(value: unknown): value is { readonly read: FetchResult | undefined } {
  return typeof value === 'object' && value !== null && 'read' in value;
}
