import { readProblem } from '../../src/mappings/mapping-status.js';
import { InvalidParameterValueException } from '../../src/errors/api-error.js';
import { FilterCriteriaMatcher } from '../../src/batch/filter-criteria.js';
import type { CheckpointStore } from '../../src/checkpoints/checkpoint-store.js';
import type { ShardCheckpoint } from '../../src/checkpoints/shard-checkpoint.js';
import type { HeldLease } from '../../src/leases/lease.js';
import { LeaseCoordinator, type LeaseChange } from '../../src/leases/lease-coordinator.js';
import { DEFAULT_LEASE_TIMINGS, type LeaseTimings } from '../../src/leases/lease-timings.js';
import type { Poller, PollerContext } from '../../src/mappings/poller.js';
import type { Logger } from '../../src/observability/logger.js';
import type { MappingLabels } from '../../src/observability/metrics.js';
import { ERROR_BACKOFF, exponentialDelayMs, sleep } from '../../src/runtime/backoff.js';
import { once, settlesWithin } from '../../src/runtime/lifecycle.js';
import { ShardConsumer, type ShardExitReason } from './shard-consumer.js';
import { eligibleShards, hasProcessedParent, startPins } from './shard-lineage.js';
import { mayStartAtLatest } from './start-position.js';
import type { PendingWork } from '../../src/idle/activity-registry.js';
import { isLeaseFree } from '../../src/leases/lease.js';
import type { ShardInfo } from './shard-reader.js';
import type { StreamSource } from './stream-source.js';

/** How often the shard list is read again to find new (child) shards, ms. A shard end triggers one at once. */
export const SHARD_SYNC_INTERVAL_MS = 5_000;
/** Time `stop()` allows beyond the drain deadline for consumers to checkpoint and release their leases, ms. */
export const STOP_GRACE_MS = 5_000;

export interface StreamPollerOptions {
  /** Lease duration, renewal and balancing periods. @defaultValue {@link DEFAULT_LEASE_TIMINGS} */
  readonly leaseTimings?: Partial<LeaseTimings>;
  /** @defaultValue {@link SHARD_SYNC_INTERVAL_MS} */
  readonly shardSyncIntervalMs?: number;
  /** Stores; Redis ones on the context's connection by default. */
  /** Wall clock, epoch ms, for record ages. @defaultValue Date.now */
  readonly now?: () => number;
}

/** One periodic job of a loop. */
interface ScheduledJob {
  readonly name: string;
  readonly intervalMs: number;
  readonly run: () => Promise<void>;
  /** Time until the job must run again, when sooner than its period (e.g. a lease about to expire). */
  readonly dueInMs?: () => number;
  next: number;
  failures: number;
}

interface RunningConsumer {
  readonly consumer: ShardConsumer<unknown>;
  readonly done: Promise<void>;
}

/**
 * Runs one stream mapping (Kinesis or DynamoDB Streams) in this process: discovers the stream's shards
 * (periodically, lineage respected), holds leases on its fair share of the ready ones together with the other
 * live workers, and runs one ShardConsumer per leased shard.
 *
 * Two loops run jobs on their own periods. The control loop: shard sync (list shards, read checkpoints, pin LATEST
 * starts, compute ready shards) and balancing (take free leases, claim from the most loaded worker). The renewal
 * loop, on its own timer: lease renewal (lost → the consumer stops without writing; claimed → it hands over). The
 * renewal loop runs until the last consumer has exited — also while a stopping replica drains its batches in flight —
 * so no other replica takes a shard that is still being invoked. A failure of one job is logged, counted and retried
 * with backoff without holding up the others.
 */
export class StreamPoller<R> implements Poller {
  private readonly timings: LeaseTimings;
  private readonly syncIntervalMs: number;
  private readonly now: (() => number) | undefined;
  private readonly leases: LeaseCoordinator;
  private readonly checkpoints: CheckpointStore;
  private readonly filter: FilterCriteriaMatcher;
  private readonly labels: MappingLabels;
  private readonly logger: Logger;
  private readonly stopping = new AbortController();
  /** Stops lease renewal: only once every consumer has exited. */
  private readonly renewing = new AbortController();
  private wakeController = new AbortController();
  private readonly consumers = new Map<string, RunningConsumer>();
  private shards = new Map<string, ShardInfo>();
  private checkpointsSeen: ReadonlyMap<string, ShardCheckpoint> = new Map();
  private eligible: string[] = [];
  private loop: Promise<void> | undefined;
  private renewLoop: Promise<void> | undefined;
  private unregisterActivity: (() => void) | undefined;
  /** A shard ended: sync and balance at once instead of waiting for their periods. */
  private syncRequested = false;
  /** Shards with a lease entry that the previous shard listing left out (see forgetVanishedShards). */
  private unlistedBefore: ReadonlySet<string> = new Set();
  /** The mapping's started mark is written (see CheckpointStore.markStarted). */
  private markedStarted = false;

  constructor(
    private readonly context: PollerContext,
    private readonly source: StreamSource<R>,
    options: StreamPollerOptions = {},
  ) {
    const { mapping } = context;
    this.timings = { ...DEFAULT_LEASE_TIMINGS, ...options.leaseTimings };
    this.syncIntervalMs = options.shardSyncIntervalMs ?? SHARD_SYNC_INTERVAL_MS;
    this.now = options.now;
    this.logger = context.logger;
    this.labels = { mapping: mapping.UUID, function: mapping.FunctionName, source: source.events.source };
    this.checkpoints = context.checkpoints;
    this.leases = new LeaseCoordinator(context.leases, context.workerId, this.timings, this.logger);
    this.filter = FilterCriteriaMatcher.compile(mapping.FilterCriteria, source.events.source);
  }

  /**
   * Checks what the source verifies (an enhanced fan-out consumer) and that the stream exists (rejects with
   * InvalidParameterValueException `Stream not found: <arn>` otherwise), then starts the control loop. Transient
   * errors of the stream check do not fail the start: the loop retries them.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    await this.source.verify?.(this.stopping.signal);
    let synced = false;
    try {
      // The first sync happens before start() resolves, so a LATEST mapping's starting points are pinned by
      // then: records written once the mapping has started are never skipped.
      await this.syncShards(this.stopping.signal);
      synced = true;
    } catch (err) {
      if (this.source.reader.classifyError(err) === 'not_found') {
        throw new InvalidParameterValueException(`Stream not found: ${this.source.streamArn}`);
      }
      this.logger.warn({ err }, 'shard_sync_failed');
    }
    const firstSync = synced ? performance.now() + this.syncIntervalMs : 0;
    const signal = this.stopping.signal;
    this.loop = this.runJobs(
      [
        { name: 'shard_sync', intervalMs: this.syncIntervalMs, run: () => this.syncShards(signal), next: firstSync, failures: 0 },
        { name: 'lease_balance', intervalMs: this.timings.balanceIntervalMs, run: () => this.balance(), next: 0, failures: 0 },
      ],
      signal,
      true,
    ).catch((err: unknown) => this.logger.error({ err }, 'stream_poller_loop_failed'));
    this.renewLoop = this.runJobs(
      [
        {
          name: 'lease_renew',
          intervalMs: this.timings.renewIntervalMs,
          run: () => this.renewLeases(),
          // A lease whose renewals fail is given up the moment it may have expired, not at the next round.
          dueInMs: () => this.leases.msUntilExpiry(),
          next: 0,
          failures: 0,
        },
      ],
      this.renewing.signal,
      false,
    ).catch((err: unknown) => this.logger.error({ err }, 'lease_renew_loop_failed'));
    this.unregisterActivity = this.context.activity?.register(this.context.mapping.UUID, { pending: (sinceMs) => this.pendingWork(sinceMs) });
    // The function's module loads while the leases are taken and the first pages read, not after.
    this.context.fn.prepare();
    this.logger.info({ streamArn: this.source.streamArn, workerId: this.context.workerId, timings: this.timings }, 'stream_poller_started');
  }

  /**
   * Stops the control loop, lets every consumer finish its batch in flight (until the drain deadline), checkpoint
   * and release its lease, then leaves the live workers so others take over at once.
   */
  readonly stop = once(async () => {
    this.stopping.abort();
    this.unregisterActivity?.();
    // Consumers stop reading at once, whatever the control loop is doing (it may be parked on Redis); leases stay
    // renewed while they finish their batches in flight, checkpoint and release.
    for (const { consumer } of this.consumers.values()) consumer.stop('shutting_down');
    const all = Promise.all([...this.consumers.values()].map((running) => running.done));
    const deadline = this.context.drainTimeoutMs + STOP_GRACE_MS;
    if (!(await settlesWithin(all, deadline))) this.logger.warn({ shards: [...this.consumers.keys()], deadlineMs: deadline }, 'stream_poller_stop_timed_out');
    this.renewing.abort();
    // The loops may be parked on Redis (commands wait while it is unreachable): do not wait for them forever.
    const loops = Promise.all([this.loop, this.renewLoop]);
    if (!(await settlesWithin(loops, STOP_GRACE_MS))) this.logger.warn({}, 'stream_poller_loop_stop_timed_out');
    // Claims this replica made would keep others from shards it will never take: withdrawn before leaving.
    await settlesWithin(this.leases.leave(), STOP_GRACE_MS);
    this.context.metrics.leasesHeld.set(this.labels, 0);
    this.context.metrics.pollers.set(this.labels, 0);
    this.logger.info({}, 'stream_poller_stopped');
  });

  /**
   * Runs each job when its time comes until `signal` aborts; a failed job retries with backoff (never later than its
   * period). Sleeps are woken by `signal` and, for the control loop (`wakeable`), by {@link requestSync}.
   */
  private async runJobs(jobs: ScheduledJob[], signal: AbortSignal, wakeable: boolean): Promise<void> {
    while (!signal.aborted) {
      for (const job of jobs) {
        if (signal.aborted) return;
        if (performance.now() < job.next) continue;
        try {
          await job.run();
          job.failures = 0;
          job.next = performance.now() + Math.min(job.intervalMs, job.dueInMs?.() ?? Infinity);
        } catch (err) {
          if (signal.aborted) return;
          job.failures += 1;
          const delayMs = Math.min(job.intervalMs, exponentialDelayMs(ERROR_BACKOFF, job.failures));
          this.context.metrics.pollingErrors.inc(this.labels);
          this.context.status.sourceFailed(readProblem(err));
          this.logger.warn({ err, job: job.name, failures: job.failures, delayMs }, 'stream_poller_job_failed');
          job.next = performance.now() + delayMs;
        }
      }
      const wait = Math.min(...jobs.map((job) => job.next)) - performance.now();
      // A stop that came while the jobs ran must not wait out a whole pause (its abort event has fired already).
      if (wait > 0 && !signal.aborted) {
        // One controller per pause, woken by the signal or requestSync(); no long-lived listeners pile up.
        const wake = new AbortController();
        if (wakeable) this.wakeController = wake;
        const onStop = () => wake.abort();
        signal.addEventListener('abort', onStop, { once: true });
        await sleep(wait, wake.signal);
        signal.removeEventListener('abort', onStop);
      }
      if (wakeable && this.syncRequested) {
        this.syncRequested = false;
        for (const job of jobs) job.next = 0;
      }
    }
  }

  /**
   * What the mapping still has to do with what its shards held at `sinceMs`, per shard this replica serves or no
   * replica holds yet. A shard another live replica holds is that replica's to report.
   */
  private async pendingWork(sinceMs: number): Promise<PendingWork[]> {
    const pending: PendingWork[] = [];
    if (this.syncRequested) pending.push({ reason: 'a shard ended: the shard list is being read again' });
    for (const [shardId, running] of this.consumers) {
      const reason = running.consumer.pendingWork(sinceMs);
      if (reason) pending.push({ shardId, reason });
    }
    const unserved = this.eligible.filter((shardId) => !this.consumers.has(shardId));
    if (unserved.length > 0) {
      const { nowMs, leases } = await this.context.leases.list();
      const heldElsewhere = new Set(leases.filter((lease) => !isLeaseFree(lease, nowMs) && lease.owner !== this.context.workerId).map((lease) => lease.shardId));
      for (const shardId of unserved) if (!heldElsewhere.has(shardId)) pending.push({ shardId, reason: 'no replica holds its lease yet' });
    }
    return pending;
  }

  /** Runs a shard sync and a balancing round now (a shard ended: its children may be ready). */
  private requestSync(): void {
    this.syncRequested = true;
    this.wakeController.abort();
  }

  private async syncShards(signal: AbortSignal): Promise<void> {
    if (!this.markedStarted) {
      await this.checkpoints.markStarted();
      this.markedStarted = true;
    }
    const listed = await this.source.reader.listShards(signal);
    this.context.status.sourceRead();
    const shardIds = listed.map((shard) => shard.shardId);
    let checkpoints = await this.checkpoints.getMany(shardIds);
    if (this.context.mapping.StartingPosition === 'LATEST' && this.source.reader.supportsAtTimestamp) {
      const pins = startPins(listed, checkpoints, Date.now());
      if (pins.size > 0 && (await mayStartAtLatest(this.checkpoints, { logger: this.logger, metrics: this.context.metrics, labels: this.labels }))) {
        await Promise.all([...pins].map(([shardId, startMs]) => this.checkpoints.pinStart(shardId, startMs)));
        checkpoints = await this.checkpoints.getMany(shardIds);
      }
    }
    this.shards = new Map(listed.map((shard) => [shard.shardId, shard]));
    this.checkpointsSeen = checkpoints;
    this.eligible = eligibleShards(listed, checkpoints).map((shard) => shard.shardId);
    // A consumer whose shard vanished from the stream (trimmed away) has nothing left to read.
    for (const [shardId, running] of this.consumers) {
      if (!this.shards.has(shardId)) running.consumer.stop('shutting_down');
    }
    if (listed.length > 0) await this.forgetVanishedShards(this.shards);
    this.logger.debug({ shards: listed.length, eligible: this.eligible.length }, 'shards_synced');
  }

  /**
   * Removes the checkpoints and leases of shards the stream no longer lists (trimmed away once past its
   * retention), so they do not pile up in Redis for the life of the mapping. Checkpoints go first: a lease entry
   * left by an interrupted removal is found again at a later sync.
   */
  private async forgetVanishedShards(listed: ReadonlyMap<string, ShardInfo>): Promise<void> {
    const unlisted = (await this.context.leases.shardIds()).filter((shardId) => !listed.has(shardId));
    // Only what two listings in a row left out: a shard created after this listing was read (and leased at once by
    // another replica) is never taken for a vanished one.
    const vanished = unlisted.filter((shardId) => this.unlistedBefore.has(shardId));
    this.unlistedBefore = new Set(unlisted);
    if (vanished.length === 0) return;
    await this.checkpoints.forget(vanished);
    await this.context.leases.forget(vanished);
    this.logger.info({ shards: vanished }, 'vanished_shards_forgotten');
  }

  private async renewLeases(): Promise<void> {
    const changes = await this.leases.renew();
    for (const change of changes) this.applyLeaseChange(change);
    this.context.metrics.leasesHeld.set(this.labels, this.leases.heldShardIds.size);
  }

  private applyLeaseChange(change: LeaseChange): void {
    const running = this.consumers.get(change.shardId);
    if (change.kind === 'lost') running?.consumer.loseLease();
    else if (running) running.consumer.stop('handoff');
    else void this.leases.release(change.shardId);
  }

  private async balance(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const taken = await this.leases.balance(this.eligible);
    for (const lease of taken) this.startConsumer(lease);
    this.context.metrics.leasesHeld.set(this.labels, this.leases.heldShardIds.size);
  }

  private startConsumer(lease: HeldLease): void {
    const shard = this.shards.get(lease.shardId);
    if (!shard || this.consumers.has(lease.shardId) || this.stopping.signal.aborted) {
      if (!this.consumers.has(lease.shardId)) void this.leases.release(lease.shardId);
      return;
    }
    const consumer = new ShardConsumer<R>({
      source: this.source,
      shard,
      lease,
      parentProcessed: hasProcessedParent(shard, this.checkpointsSeen),
      mapping: this.context.mapping,
      fn: this.context.fn,
      filter: this.filter,
      checkpoints: this.checkpoints,
      leases: this.leases,
      destinations: this.context.destinations,
      metrics: this.context.metrics,
      labels: this.labels,
      logger: this.logger,
      status: this.context.status,
      idlePollIntervalMs: this.context.streamIdlePollIntervalMs,
      drainTimeoutMs: this.context.drainTimeoutMs,
      ...(this.context.journal ? { journal: this.context.journal } : {}),
      ...(this.now ? { now: this.now } : {}),
    });
    const done = consumer.run().then((reason) => this.onConsumerExit(lease.shardId, reason));
    this.consumers.set(lease.shardId, { consumer: consumer as ShardConsumer<unknown>, done });
    this.context.metrics.pollers.set(this.labels, this.consumers.size);
  }

  private onConsumerExit(shardId: string, reason: ShardExitReason): void {
    this.consumers.delete(shardId);
    // The shard's series leaves with it: its new owner reports it, and a gone shard is not reported forever.
    this.context.metrics.iteratorAge.remove({ ...this.labels, shard: shardId });
    this.context.metrics.pollers.set(this.labels, this.consumers.size);
    this.context.metrics.leasesHeld.set(this.labels, this.leases.heldShardIds.size);
    this.logger.info({ shardId, reason }, 'shard_consumer_exited');
    if (reason === 'shard_ended') {
      this.eligible = this.eligible.filter((id) => id !== shardId);
      this.requestSync();
      return;
    }
    // The lease may have been taken again while this consumer was still exiting: serve it now.
    const newer = this.leases.leaseOf(shardId);
    if (newer) this.startConsumer(newer);
  }
}
