import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job, type MinimalJob } from 'bullmq';
import type { Logger } from '../observability/logger.js';
import { once, runAll } from '../runtime/lifecycle.js';
import { evalScript, readLuaScript } from '../redis/lua-script.js';
import { closeRedis, createRedis, primariesOf, redisOptions, type Redis, type RedisSettings } from '../redis/redis-connection.js';

const RECORD_FAILED_SIZE = readLuaScript(import.meta.url, 'record-failed-size-4.lua');
const SELECT_FAILED_OVERFLOW = readLuaScript(import.meta.url, 'select-failed-overflow-3.lua');
const CLAIM_FAILED_DROP = readLuaScript(import.meta.url, 'claim-failed-drop-3.lua');

/** States of a durable queue counted for metrics. */
export const JOB_COUNT_STATES = ['waiting', 'delayed', 'failed'] as const;
export type JobCountState = (typeof JOB_COUNT_STATES)[number];
export type JobCounts = Readonly<Record<JobCountState, number>>;

/** How long a count waits for Redis before the caller keeps its last values, ms. */
const JOB_COUNT_TIMEOUT_MS = 1_000;
/** Completed jobs kept for inspection: at most 1000, at most an hour old. */
const KEEP_COMPLETED = { count: 1_000, age: 3_600 };
/**
 * Jobs kept in the failed set (undeliverable failure records, async events): beyond it the oldest are removed, each
 * counted and logged, so Redis does not fill up with them.
 */
export const MAX_FAILED_JOBS_KEPT = 10_000;
/** Bytes of serialized job data kept in the failed set, the other cap beside {@link MAX_FAILED_JOBS_KEPT}: 64 MiB. */
export const MAX_FAILED_JOB_BYTES_KEPT = 64 * 1024 * 1024;
/** How long one replica's claim to remove a failed job lasts: if it dies first, another removes the job after this. */
const FAILED_DROP_CLAIM_MS = 60_000;
/** Longest wait to close a Cluster connection this queue opened. */
const CLOSE_TIMEOUT_MS = 5_000;
/** Repeats of one error are logged at most once a minute, so an outage does not flood the log. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/** Fewer replicas than required confirmed a stored job in time: it may be lost in a failover, so it does not count. */
export class ReplicaWaitError extends Error {
  override readonly name = 'ReplicaWaitError';
}

/** `add` was interrupted by `stop()` while Redis did not answer: the job may or may not be stored. */
export class QueueStoppedError extends Error {
  override readonly name = 'QueueStoppedError';
}

/** Replicas that must confirm a stored job (Redis `WAIT`) before `add` resolves. */
export interface ReplicaWait {
  /** 0: do not wait. */
  readonly replicas: number;
  readonly timeoutMs: number;
}

/** A job attempt can never succeed: the queue fails the job at once instead of spending its attempts. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

/** One attempt of a job, as the processor sees it. */
export interface JobAttempt<T> {
  readonly id: string;
  readonly data: T;
  /** Attempts that failed before this one (BullMQ's count; {@link JobAttempt.retryLater} spends none). */
  readonly attemptsMade: number;
  /** Aborted when `stop()` stops waiting for the attempt; the job then runs again after the next start. */
  readonly signal: AbortSignal;
  /**
   * Stores `data` and puts the job back to run again in `delayMs`, without spending an attempt. The processor
   * must return the promise (it rejects with BullMQ's DelayedError, which tells the worker the job moved).
   */
  retryLater(delayMs: number, data: T): Promise<never>;
}

export interface AddJobOptions {
  /** Attempts before the job stays in the failed set. @defaultValue 1 */
  readonly attempts?: number;
  /** Base delay of the retry backoff, carried by the job and handed to {@link DurableJobQueueOptions.retryDelayMs}. */
  readonly backoffMs?: number;
}

export interface DurableJobQueueOptions<T> {
  /** BullMQ queue name (BullMQ adds `prefix` and its own suffixes). */
  readonly name: string;
  /** Where Redis is; BullMQ opens its own connections there (the worker needs blocking ones). */
  readonly redis: RedisSettings;
  /** Replicas that must have a job before it counts as stored. @defaultValue none */
  readonly replicaWait?: ReplicaWait;
  readonly prefix: string;
  readonly logger: Logger;
  /** Short name for connection names and log events, e.g. `destinations`. */
  readonly component: string;
  /** Jobs processed at once by this process. */
  readonly concurrency: number;
  /** Runs one attempt. A rejection fails the attempt (retried per the job's attempts); PermanentJobError fails the job. */
  readonly process: (attempt: JobAttempt<T>) => Promise<void>;
  /** Delay before retry `attemptsMade` (1-based) of a failed attempt, from the job's base delay. */
  readonly retryDelayMs?: (attemptsMade: number, baseMs: number | undefined) => number;
  /** Jobs the failed set keeps; the oldest beyond are removed. @defaultValue {@link MAX_FAILED_JOBS_KEPT} */
  readonly failedJobsKept?: number;
  /**
   * Bytes of serialized job data the failed set keeps; the oldest jobs beyond are removed.
   * @defaultValue {@link MAX_FAILED_JOB_BYTES_KEPT}
   */
  readonly failedJobBytesKept?: number;
  /** Jobs removed from a full failed set (count or bytes), oldest first (each was reported failed by onAttemptFailed before). */
  readonly onFailedJobsDropped?: (jobs: readonly { readonly id: string; readonly data: T }[]) => void;
  /** After each failed attempt; `final` when the job stays in the failed set. */
  readonly onAttemptFailed?: (job: { readonly id: string; readonly data: T; readonly attemptsMade: number }, err: Error, final: boolean) => void;
  /** Recoveries of a job whose worker died (crash, SIGKILL) before it is failed. */
  readonly maxStalledCount: number;
  /** How long a job's lock lasts without renewal: a crashed worker's job runs again after about twice this, ms. @defaultValue 30000 (BullMQ's) */
  readonly lockDurationMs?: number;
  /** Time `stop()` lets attempts in flight finish before aborting them (they run again after the next start), ms. */
  readonly stopGraceMs: number;
}

/**
 * A durable job queue in Redis (BullMQ), shared by every replica on the same Redis: `add` resolves once the job
 * is stored, a worker in each started process takes jobs (each job by one worker at a time), and jobs left by a
 * stopped or crashed process run in the next worker. One class for every queue of the service, so retries,
 * stalled-job recovery, stop and counting behave the same everywhere.
 */
export class DurableJobQueue<T> {
  private readonly stopping = new AbortController();
  /** Aborted as soon as `stop()` is called: an `add` waiting for Redis gives up. */
  private readonly closing = new AbortController();
  /** Cluster clients opened for BullMQ (it closes only connections it built from options). */
  private readonly clusterClients: Redis[] = [];
  private queue: Queue<T> | undefined;
  private worker: Worker<T> | undefined;
  /** The trim of the failed set under way (see trimFailed); never rejects. */
  private trimming: Promise<void> = Promise.resolve();
  private stopped = false;
  private countInFlight: Promise<JobCounts> | undefined;

  constructor(private readonly options: DurableJobQueueOptions<T>) {}

  /** True once `stop()` was called: `add` refuses. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Starts this process's worker; resolves once its Redis connection is ready. */
  async start(): Promise<void> {
    if (this.stopped) throw new Error(`${this.options.component} queue cannot start again after stop()`);
    if (this.worker) return;
    const queue = this.openQueue();
    const retryDelayMs = this.options.retryDelayMs;
    const worker = new Worker<T>(this.options.name, (job, token) => this.run(job, token), {
      connection: this.connection(`${this.options.component}-worker`),
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
      maxStalledCount: this.options.maxStalledCount,
      ...(this.options.lockDurationMs !== undefined
        ? { lockDuration: this.options.lockDurationMs, stalledInterval: this.options.lockDurationMs }
        : {}),
      ...(retryDelayMs
        ? { settings: { backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: MinimalJob) => retryDelayMs(attemptsMade, baseDelayOf(job)) } }
        : {}),
    });
    this.worker = worker;
    worker.on('error', logSparingly(this.options.logger, `${this.options.component}_worker_error`));
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err.name === UnrecoverableError.name || job.attemptsMade >= (job.opts.attempts ?? 1);
      this.options.onAttemptFailed?.({ id: String(job.id), data: job.data, attemptsMade: job.attemptsMade }, err, final);
      // One trim at a time in this process: two at once could each count the same excess and remove twice as many.
      if (final) this.trimming = this.trimming.then(() => this.trimFailed(String(job.id)));
    });
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  }

  /**
   * Resolves with the job id once the job is stored in Redis (and, with `replicaWait`, confirmed by that many
   * replicas). Rejects when it is not: nothing stored, or — ReplicaWaitError, QueueStoppedError — stored perhaps,
   * in which case a retry by the caller may store it twice (at-least-once).
   */
  async add(name: string, data: T, options: AddJobOptions = {}): Promise<string> {
    if (this.stopped) throw new Error(`${this.options.component} queue is stopped: the job was not stored`);
    const queue = this.openQueue();
    const stored = queue.add(name as never, data as never, {
      attempts: options.attempts ?? 1,
      ...(options.backoffMs !== undefined ? { backoff: { type: 'custom', delay: options.backoffMs } } : {}),
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: false,
    });
    const job = await this.unlessStopped(stored);
    const wait = this.options.replicaWait;
    if (wait && wait.replicas > 0) {
      // WAIT counts the replicas that have every write of the connection it is sent on: the queue's own.
      const client = (await queue.getBackend().client) as unknown as Redis;
      const confirmed = await this.unlessStopped(Promise.all(primariesOf(client).map((node) => node.wait(wait.replicas, wait.timeoutMs))));
      const fewest = Math.min(...confirmed);
      if (fewest < wait.replicas) {
        throw new ReplicaWaitError(`${this.options.component} job ${job.id} reached ${fewest} of ${wait.replicas} Redis replicas within ${wait.timeoutMs} ms`);
      }
    }
    return String(job.id);
  }

  /**
   * Records the size of `failedId`, just failed for good, then removes the oldest failed jobs beyond
   * {@link DurableJobQueueOptions.failedJobsKept} or {@link DurableJobQueueOptions.failedJobBytesKept}, reporting each.
   * The sizes live beside the failed set (see scripts/record-failed-size-4.lua), so the check costs two reads while
   * the set is within its caps. Replicas trimming at once each remove (and report) different jobs; a failure only
   * leaves the set longer until the next final failure.
   */
  private async trimFailed(failedId: string): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    const kept = this.options.failedJobsKept ?? MAX_FAILED_JOBS_KEPT;
    const bytesKept = this.options.failedJobBytesKept ?? MAX_FAILED_JOB_BYTES_KEPT;
    const sizes = failedSizeKeys(queue);
    const dropped: { id: string; data: T }[] = [];
    try {
      const client = (await queue.getBackend().client) as unknown as Redis;
      await evalScript(client, RECORD_FAILED_SIZE, [queue.toKey('failed'), sizes.sizes, sizes.total, queue.toKey(failedId)], [failedId]);
      const overflow = (await evalScript(client, SELECT_FAILED_OVERFLOW, [queue.toKey('failed'), sizes.sizes, sizes.total], [kept, bytesKept, queue.toKey('')])) as string[];
      for (const id of overflow) {
        // Claimed first, so of replicas trimming at once one removes and reports each job; a claimer dying before
        // the removal leaves the job under-counted (kept longer), never over-counted.
        if ((await evalScript(client, CLAIM_FAILED_DROP, [sizes.sizes, sizes.total, queue.toKey(`${id}:drop-claim`)], [id, FAILED_DROP_CLAIM_MS])) !== 1) continue;
        const job = await queue.getJob(id);
        if (!job) continue;
        await job.remove();
        dropped.push({ id, data: job.data });
      }
    } catch (err) {
      this.options.logger.warn({ err }, `${this.options.component}_failed_jobs_trim_failed`);
    }
    // Reported even when the trim stopped half-way: what was removed is gone.
    if (dropped.length === 0) return;
    this.options.logger.warn({ kept, bytesKept, jobIds: dropped.map((job) => job.id) }, `${this.options.component}_failed_jobs_dropped`);
    this.options.onFailedJobsDropped?.(dropped);
  }

  /** `work`, or a QueueStoppedError as soon as `stop()` is called while it is still waiting (e.g. for Redis). */
  private unlessStopped<R>(work: Promise<R>): Promise<R> {
    const signal = this.closing.signal;
    if (signal.aborted) work.catch(() => undefined);
    return new Promise<R>((resolve, reject) => {
      const onStop = () => reject(new QueueStoppedError(`${this.options.component} queue stopped while Redis had not confirmed the job`));
      if (signal.aborted) return onStop();
      signal.addEventListener('abort', onStop, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onStop));
    });
  }

  /** Jobs not finished yet, fleet-wide: waiting, delayed (retry backoff) or being run. */
  async unfinished(): Promise<number> {
    const counts = await this.openQueue().getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((sum, count) => sum + (count ?? 0), 0);
  }

  /** Job counts by state; one count in flight at a time, rejected after {@link JOB_COUNT_TIMEOUT_MS}. */
  async counts(): Promise<JobCounts> {
    const queue = this.queue;
    if (!queue) return { waiting: 0, delayed: 0, failed: 0 };
    this.countInFlight ??= queue
      .getJobCounts('waiting', 'delayed', 'failed')
      .then((counts) => ({ waiting: counts.waiting ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 }))
      .finally(() => {
        this.countInFlight = undefined;
      });
    const timeout = AbortSignal.timeout(JOB_COUNT_TIMEOUT_MS);
    return await Promise.race([
      this.countInFlight,
      new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(timeout.reason), { once: true })),
    ]);
  }

  /**
   * Closes the worker (attempts in flight finish, or are aborted after `stopGraceMs` and left for the next
   * start), then the queue. Idempotent; every call returns the same promise.
   */
  readonly stop = once(async () => {
    this.stopped = true;
    this.closing.abort();
    const worker = this.worker;
    const queue = this.queue;
    const errors = await runAll([
      async () => {
        if (!worker) return;
        const closed = worker.close();
        const grace = setTimeout(() => this.stopping.abort(), this.options.stopGraceMs);
        try {
          await closed;
        } finally {
          clearTimeout(grace);
        }
      },
      () => queue?.close(),
      ...this.clusterClients.map((client) => () => closeRedis(client, CLOSE_TIMEOUT_MS)),
    ]);
    for (const err of errors) this.options.logger.warn({ err }, `${this.options.component}_stop_error`);
  });

  private openQueue(): Queue<T> {
    if (!this.queue) {
      const queue = new Queue<T>(this.options.name, { connection: this.connection(`${this.options.component}-queue`), prefix: this.options.prefix });
      queue.on('error', logSparingly(this.options.logger, `${this.options.component}_queue_error`));
      this.queue = queue;
    }
    return this.queue;
  }

  /** Connection options, so BullMQ builds and owns its connections; for a Cluster, a client of our own. */
  private connection(name: string): ConnectionOptions {
    const options = redisOptions(this.options.redis, name);
    // ioredis's own options; BullMQ declares a narrower copy of the same type.
    if (options) return options as ConnectionOptions;
    const client = createRedis(this.options.redis, this.options.logger, name);
    this.clusterClients.push(client);
    return client;
  }

  private async run(job: Job<T>, token: string | undefined): Promise<void> {
    const attempt: JobAttempt<T> = {
      id: String(job.id),
      data: job.data,
      attemptsMade: job.attemptsMade,
      signal: this.stopping.signal,
      retryLater: async (delayMs, data) => {
        await job.updateData(data);
        await job.moveToDelayed(Date.now() + Math.max(0, delayMs), token);
        throw new DelayedError();
      },
    };
    try {
      await this.options.process(attempt);
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (this.stopping.signal.aborted && token !== undefined) {
        // Interrupted by stop(), not failed: no attempt is spent, the next start runs it again.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }
}

/**
 * Keys beside BullMQ's own for the sizes of the failed jobs: under the queue's prefix and name, so they share its
 * hash slot in a Cluster and go with the queue when it is obliterated.
 */
function failedSizeKeys(queue: Queue<unknown>): { readonly sizes: string; readonly total: string } {
  return { sizes: queue.toKey('failed-sizes'), total: queue.toKey('failed-bytes') };
}

function baseDelayOf(job: MinimalJob | undefined): number | undefined {
  const delay = (job?.opts.backoff as { delay?: unknown } | undefined)?.delay;
  return typeof delay === 'number' && delay >= 0 ? delay : undefined;
}

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
