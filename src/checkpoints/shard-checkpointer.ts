import type { HeldLease } from '../leases/lease.js';
import { LeaseLostError } from '../leases/lease-error.js';
import type { Logger } from '../observability/logger.js';
import { ERROR_BACKOFF, exponentialDelayMs, sleep } from '../runtime/backoff.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { SequenceTracker } from './sequence-tracker.js';
import type { WindowCheckpoint } from './shard-checkpoint.js';

export interface ShardCheckpointerOptions {
  readonly store: CheckpointStore;
  /** The lease every write is fenced by. */
  readonly lease: HeldLease;
  /** The stored checkpoint the shard resumes from, if any. */
  readonly checkpoint?: string;
  /** Aborts the wait between failed writes (stop, lease lost). */
  readonly halt: AbortSignal;
  readonly logger: Logger;
}

/**
 * The one writer of a shard's checkpoint while this worker holds its lease (STYLE C5). Records are tracked in
 * shard order as they are read; whoever settles them (a lane's processor, the filter) hands their sequence
 * numbers here, and the checkpoint moves to the highest sequence number below which every tracked record is
 * settled, through the store's fenced script. It never moves ahead of unsettled work and never backwards.
 * A shard with tumbling windows hands its open window along with the records settled under it; the window is
 * written in the same fenced step as the checkpoint.
 */
export class ShardCheckpointer {
  private readonly tracker: SequenceTracker;
  private committed: string | undefined;
  /** A window change not written yet (null: the window closed). */
  private pendingWindow: WindowCheckpoint | null | undefined;

  constructor(private readonly options: ShardCheckpointerOptions) {
    this.tracker = new SequenceTracker(options.checkpoint);
    this.committed = options.checkpoint;
  }

  /** Highest sequence number below which every record is settled (written or not yet). */
  get checkpoint(): string | undefined {
    return this.tracker.checkpoint;
  }

  /** Starts tracking records just read, in shard order. */
  track(sequenceNumbers: readonly string[]): void {
    this.tracker.track(sequenceNumbers);
  }

  /**
   * Marks records settled and writes the checkpoint if it moved (with the shard's open tumbling window when it
   * changed: `null` once it closed), retrying store errors with backoff until the write succeeds or the consumer
   * is halted.
   * @throws LeaseLostError when the lease was taken: nothing more may be written
   */
  async settle(sequenceNumbers: readonly string[], window?: WindowCheckpoint | null): Promise<void> {
    if (sequenceNumbers.length > 0) this.tracker.settle(sequenceNumbers);
    if (window !== undefined) this.pendingWindow = window;
    for (let failures = 0; ; failures += 1) {
      const target = this.tracker.checkpoint;
      if (!this.hasPendingWrite(target)) return;
      try {
        await this.write(target);
        return;
      } catch (err) {
        if (err instanceof LeaseLostError) throw err;
        this.options.logger.warn({ err, sequenceNumber: target, failures: failures + 1 }, 'checkpoint_commit_failed');
        if (!(await sleep(exponentialDelayMs(ERROR_BACKOFF, failures + 1), this.options.halt))) return;
      }
    }
  }

  /**
   * The last write before the lease is released: one attempt, since the consumer is stopping anyway; a failure is
   * logged and the next owner re-reads from the previous checkpoint.
   * @throws LeaseLostError when the lease was taken
   */
  async flush(): Promise<void> {
    const target = this.tracker.checkpoint;
    if (!this.hasPendingWrite(target)) return;
    try {
      await this.write(target);
    } catch (err) {
      if (err instanceof LeaseLostError) throw err;
      this.options.logger.warn({ err }, 'final_checkpoint_failed');
    }
  }

  /**
   * Records that the shard was processed to its end, with the checkpoint reached, so that its children may start.
   * @throws LeaseLostError when the lease was taken
   */
  async markShardEnded(): Promise<void> {
    await this.options.store.markShardEnded(this.options.lease, this.tracker.checkpoint);
    this.committed = this.tracker.checkpoint;
    this.pendingWindow = undefined;
  }

  private hasPendingWrite(target: string | undefined): boolean {
    return this.pendingWindow !== undefined || (target !== undefined && target !== this.committed);
  }

  private async write(target: string | undefined): Promise<void> {
    const window = this.pendingWindow;
    await this.options.store.commit(this.options.lease, target === this.committed ? undefined : target, window);
    this.committed = target;
    if (this.pendingWindow === window) this.pendingWindow = undefined;
  }
}
