import { compareSequenceNumbers } from './sequence-number.js';

/** A tracked record not yet settled, linked in shard order to the unsettled records around it. */
interface Unsettled {
  readonly sequenceNumber: string;
  /** Highest settled sequence number after this record and before the next unsettled one. */
  settledAfter: string | undefined;
  previous: Unsettled | undefined;
  next: Unsettled | undefined;
}

/**
 * The records of one shard from the moment they are read until they are settled, in read order; it says how
 * far the checkpoint may move: the highest sequence number below which every record is settled — succeeded,
 * filtered out, or durably queued for the on-failure destination (STYLE C5). It never moves ahead of unsettled
 * work and never backwards.
 *
 * Records must be tracked in shard order (strictly increasing sequence numbers); settling may happen in any
 * order (several batches of one shard may be in flight). Memory grows with the unsettled records only: a settled
 * record is folded into the unsettled record before it, so a shard whose reads are mostly filtered out, or whose
 * other lanes run far ahead of a retrying one, holds nothing for them.
 */
export class SequenceTracker {
  private readonly index = new Map<string, Unsettled>();
  private first: Unsettled | undefined;
  private last: Unsettled | undefined;
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
      const entry: Unsettled = { sequenceNumber, settledAfter: undefined, previous: this.last, next: undefined };
      if (this.last) this.last.next = entry;
      else this.first = entry;
      this.last = entry;
      this.index.set(sequenceNumber, entry);
      this.lastTracked = sequenceNumber;
    }
  }

  /**
   * Marks records settled and returns the new checkpointable sequence number (unchanged when a record before
   * them is still unsettled).
   * @throws RangeError for a sequence number that is not tracked or already settled
   */
  settle(sequenceNumbers: readonly string[]): string | undefined {
    for (const sequenceNumber of sequenceNumbers) {
      const entry = this.index.get(sequenceNumber);
      if (!entry) throw new RangeError(`sequence number ${sequenceNumber} is not tracked`);
      this.index.delete(sequenceNumber);
      // Everything from this record up to the next unsettled one is settled now.
      const settledThrough = entry.settledAfter ?? entry.sequenceNumber;
      if (entry.previous) entry.previous.settledAfter = settledThrough;
      else this.checkpointable = settledThrough;
      if (entry.previous) entry.previous.next = entry.next;
      else this.first = entry.next;
      if (entry.next) entry.next.previous = entry.previous;
      else this.last = entry.previous;
    }
    return this.checkpointable;
  }

  /** Highest sequence number below which every tracked record is settled (the stored checkpoint at first). */
  get checkpoint(): string | undefined {
    return this.checkpointable;
  }

  /** Records tracked and not yet settled. */
  get unsettledCount(): number {
    return this.index.size;
  }

  /** True when every tracked record is settled. */
  get allSettled(): boolean {
    return this.first === undefined;
  }
}
