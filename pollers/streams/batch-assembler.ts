import { MAX_INVOKE_PAYLOAD_BYTES, RECORDS_ENVELOPE_BYTES, recordPayloadBytes } from '../../src/batch/invoke-payload-limit.js';
import type { StreamRecord } from './stream-event-builder.js';

/** A record read from a shard, with the filter's verdict. */
export interface ReadRecord {
  readonly record: StreamRecord;
  /** False when FilterCriteria removed it: it is settled without being sent. */
  readonly matched: boolean;
}

/** One batch cut from the records read. */
export interface AssembledBatch {
  /** Records to send, in shard order. */
  readonly records: readonly StreamRecord[];
  /** Sequence numbers of the records filtered out within (and right after) the batch: settled at once. */
  readonly filteredOut: readonly string[];
}

export interface BatchLimits {
  /** BatchSize: most records per invocation. */
  readonly batchSize: number;
  /** Largest event payload, bytes (6 MB, spec §3.1). */
  readonly maxPayloadBytes?: number;
}

/**
 * Records read from one shard waiting to be sent, cut into batches of at most BatchSize records and 6 MB of
 * event payload (spec §3.1). Filtered-out records ride along with the batch they fall in (they do not count
 * toward BatchSize) so the checkpoint can move past them. A single record above the payload cap is sent alone.
 */
export class BatchAssembler {
  private readonly buffer: ReadRecord[] = [];
  private matchedCount = 0;
  private matchedBytes = RECORDS_ENVELOPE_BYTES;
  private readonly maxPayloadBytes: number;

  constructor(private readonly limits: BatchLimits) {
    this.maxPayloadBytes = limits.maxPayloadBytes ?? MAX_INVOKE_PAYLOAD_BYTES;
  }

  push(records: readonly ReadRecord[]): void {
    for (const entry of records) {
      this.buffer.push(entry);
      if (entry.matched) {
        this.matchedCount += 1;
        this.matchedBytes += recordPayloadBytes(entry.record.json);
      }
    }
  }

  /** Nothing buffered. */
  get isEmpty(): boolean {
    return this.buffer.length === 0;
  }

  /** A whole batch is buffered: BatchSize records or the payload cap reached. */
  get isFull(): boolean {
    return this.matchedCount >= this.limits.batchSize || this.matchedBytes >= this.maxPayloadBytes;
  }

  /** Cuts the next batch from the front of the buffer (undefined when empty). */
  take(): AssembledBatch | undefined {
    if (this.buffer.length === 0) return undefined;
    const records: StreamRecord[] = [];
    const filteredOut: string[] = [];
    let bytes = RECORDS_ENVELOPE_BYTES;
    let taken = 0;
    for (const entry of this.buffer) {
      if (!entry.matched) {
        filteredOut.push(entry.record.sequenceNumber);
        taken += 1;
        continue;
      }
      const size = recordPayloadBytes(entry.record.json);
      const fits = records.length < this.limits.batchSize && (records.length === 0 || bytes + size <= this.maxPayloadBytes);
      if (!fits) break;
      records.push(entry.record);
      bytes += size;
      taken += 1;
      this.matchedCount -= 1;
      this.matchedBytes -= size;
    }
    this.buffer.splice(0, taken);
    return { records, filteredOut };
  }
}
