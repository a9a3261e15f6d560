import { compareSequenceNumbers } from './sequence-number.js';

/**
 * The records of one shard from the moment they are read until they are settled, in read order; it says how
 * far the checkpoint may move: the highest sequence number below which every record is settled — succeeded,
 * filtered out, or durably queued for the on-failure destination (STYLE C5). It never moves ahead of unsettled
 * work and never backwards.
 *
 * Records must be tracked in shard order (strictly increasing sequence numbers); settling may happen in any
 * order (several batches of one shard may be in flight).
 */
export class SequenceTracker {
  /** Tracked, not yet checkpointable records in shard order; `true` once settled. */
  private readonly pending: { readonly sequenceNumber: string; settled: boolean }[] = [];
  private readonly index = new Map<string, { readonly sequenceNumber: string; settled: boolean }>();
  private lastTracked: string | undefined;
  private checkpointable: string | undefined;

  /** @param checkpoint the stored checkpoint the shard resumes from, if any */
  constructor(checkpoint?: string) {
    this.checkpointable = checkpoint;
    this.lastTracked = checkpoint;
  }

  /**
   * Starts tracking records just read, in shard order.
   * @throws RangeError when a sequence number is not above every one tracked before
   */
  track(sequenceNumbers: readonly string[]): void {
    for (const sequenceNumber of sequenceNumbers) {
      if (this.lastTracked !== undefined && compareSequenceNumbers(sequenceNumber, this.lastTracked) <= 0) {
        throw new RangeError(`sequence number ${sequenceNumber} is not above ${this.lastTracked}`);
      }
      const entry = { sequenceNumber, settled: false };
      this.pending.push(entry);
      this.index.set(sequenceNumber, entry);
      this.lastTracked = sequenceNumber;
    }
  }

  /**
   * Marks records settled and returns the new checkpointable sequence number (unchanged when a record before
   * them is still unsettled).
   * @throws RangeError for a sequence number that is not tracked
   */
  settle(sequenceNumbers: readonly string[]): string | undefined {
    for (const sequenceNumber of sequenceNumbers) {
      const entry = this.index.get(sequenceNumber);
      if (!entry) throw new RangeError(`sequence number ${sequenceNumber} is not tracked`);
      entry.settled = true;
    }
    while (this.pending.length > 0 && this.pending[0]!.settled) {
      const entry = this.pending.shift()!;
      this.index.delete(entry.sequenceNumber);
      this.checkpointable = entry.sequenceNumber;
    }
    return this.checkpointable;
  }

  /** Highest sequence number below which every tracked record is settled (the stored checkpoint at first). */
  get checkpoint(): string | undefined {
    return this.checkpointable;
  }

  /** Records tracked and not yet settled. */
  get unsettledCount(): number {
    return this.pending.filter((entry) => !entry.settled).length;
  }

  /** True when every tracked record is settled. */
  get allSettled(): boolean {
    return this.pending.length === 0;
  }
}
