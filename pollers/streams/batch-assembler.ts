import { MAX_INVOKE_PAYLOAD_BYTES, RECORDS_ENVELOPE_BYTES, recordPayloadBytes } from '../../src/batch/invoke-payload-limit.js';
import type { StreamRecord } from './stream-event-builder.js';

export interface BatchLimits {
  /** BatchSize: most records per invocation. */
  readonly batchSize: number;
  /** Largest event payload, bytes (6 MB, spec §3.1). */
  readonly maxPayloadBytes?: number;
  /** With tumbling windows: the window of a record; records of different windows never share a batch. */
  readonly windowOf?: (record: StreamRecord) => number;
}

/**
 * Records of one lane waiting to be sent, cut into batches of at most BatchSize records and 6 MB of event payload
 * (spec §3.1). Records the filters removed never come here: they are settled as they are read. A single record
 * above the payload cap is cut alone (the processor then fails it as a function error would), and so is a record
 * that could not be built into an event. With tumbling windows a batch ends where the next window begins.
 */
export class BatchAssembler {
  private readonly buffer: StreamRecord[] = [];
  private bytes = RECORDS_ENVELOPE_BYTES;
  /** Buffered records that could not be built (each is cut alone). */
  private unbuilt = 0;
  /** Places in the buffer where one window ends and the next begins. */
  private windowBoundaries = 0;
  private readonly maxPayloadBytes: number;

  constructor(private readonly limits: BatchLimits) {
    this.maxPayloadBytes = limits.maxPayloadBytes ?? MAX_INVOKE_PAYLOAD_BYTES;
  }

  push(records: readonly StreamRecord[]): void {
    for (const record of records) {
      if (this.crossesWindow(this.buffer[this.buffer.length - 1], record)) this.windowBoundaries += 1;
      this.buffer.push(record);
      this.bytes += recordPayloadBytes(record.json);
      if (record.buildError !== undefined) this.unbuilt += 1;
    }
  }

  /** Nothing buffered. */
  get isEmpty(): boolean {
    return this.buffer.length === 0;
  }

  /** The first record waiting (undefined when empty). */
  get first(): StreamRecord | undefined {
    return this.buffer[0];
  }

  /**
   * A whole batch is buffered: BatchSize records, the payload cap, a record that could not be built, or a record of
   * the next tumbling window.
   */
  get isFull(): boolean {
    return this.buffer.length >= this.limits.batchSize || this.bytes >= this.maxPayloadBytes || this.unbuilt > 0 || this.windowBoundaries > 0;
  }

  /** Cuts the next batch from the front of the buffer (undefined when empty). */
  take(): readonly StreamRecord[] | undefined {
    if (this.buffer.length === 0) return undefined;
    let bytes = RECORDS_ENVELOPE_BYTES;
    let taken = 0;
    for (const record of this.buffer) {
      const size = recordPayloadBytes(record.json);
      const alone = record.buildError !== undefined;
      const sameWindow = taken === 0 || !this.crossesWindow(this.buffer[taken - 1], record);
      const fits = taken === 0 || (!alone && sameWindow && taken < this.limits.batchSize && bytes + size <= this.maxPayloadBytes);
      if (!fits) break;
      bytes += size;
      taken += 1;
      if (alone) {
        this.unbuilt -= 1;
        break;
      }
    }
    this.bytes -= bytes - RECORDS_ENVELOPE_BYTES;
    if (this.crossesWindow(this.buffer[taken - 1], this.buffer[taken])) this.windowBoundaries -= 1;
    return this.buffer.splice(0, taken);
  }

  private crossesWindow(before: StreamRecord | undefined, after: StreamRecord | undefined): boolean {
    const windowOf = this.limits.windowOf;
    return windowOf !== undefined && before !== undefined && after !== undefined && windowOf(before) !== windowOf(after);
  }
}
