import { BatchAssembler } from './batch-assembler.js';
import type { BatchProcessor, BatchProcessResult, Settled } from './batch-processor.js';
import type { ShardWindow } from './shard-window.js';
import type { StreamRecord } from './stream-event-builder.js';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../../src/batch/invoke-payload-limit.js';
import { WINDOW_EVENT_RESERVE_BYTES, windowAt } from './tumbling-window.js';

/** What a lane's running batch produced: records it settled, or the end of the batch. */
export type LaneStep =
  | { readonly lane: ShardLane; readonly kind: 'settled'; readonly settled: Settled }
  | { readonly lane: ShardLane; readonly kind: 'finished'; readonly result: BatchProcessResult }
  | { readonly lane: ShardLane; readonly kind: 'failed'; readonly error: unknown };

export interface ShardLaneOptions {
  /** Runs one batch at a time. */
  readonly processor: BatchProcessor;
  readonly batchSize: number;
  /** MaximumBatchingWindowInSeconds, in ms. */
  readonly windowMs: number;
  /** Monotonic clock, ms. */
  readonly now: () => number;
  /** With tumbling windows (TumblingWindowInSeconds, one lane per shard): the shard's open window. */
  readonly tumbling?: { readonly windowSeconds: number; readonly window: ShardWindow };
}

/**
 * One lane of a shard: the records routed to it waiting to be sent, and at most one batch in flight. Records of
 * one lane are sent in order and never concurrently; the lane's processor does retries, bisect and partial
 * responses, and every record it settles comes out as a {@link LaneStep} for the shard's checkpointer.
 *
 * The batching window (MaximumBatchingWindowInSeconds) runs from the first buffered record, at the earliest from
 * the completion of the lane's previous batch, until it closes, the batch is full or the 6 MB cap is reached.
 *
 * With tumbling windows a batch holds records of one window and goes with that window's state; when the window is
 * over, the lane sends its final invoke instead of a batch (see {@link ShardWindow}).
 */
export class ShardLane {
  private readonly assembler: BatchAssembler;
  private running: AsyncGenerator<Settled, BatchProcessResult, void> | undefined;
  private pending: Promise<LaneStep> | undefined;
  private bufferedSince: number;
  private lastCompletion: number;

  constructor(
    readonly index: number,
    private readonly options: ShardLaneOptions,
  ) {
    const tumbling = options.tumbling;
    this.assembler = new BatchAssembler({
      batchSize: options.batchSize,
      ...(tumbling
        ? {
            // Room is kept for the window's state and fields in every event.
            maxPayloadBytes: MAX_INVOKE_PAYLOAD_BYTES - WINDOW_EVENT_RESERVE_BYTES,
            windowOf: (record: StreamRecord) => windowAt(record.arrivalEpochMs, tumbling.windowSeconds).startMs,
          }
        : {}),
    });
    this.bufferedSince = options.now();
    this.lastCompletion = this.bufferedSince;
  }

  /** A batch is in flight. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Nothing buffered, nothing in flight and no tumbling window open. */
  get drained(): boolean {
    return !this.busy && this.assembler.isEmpty && this.options.tumbling?.window.current === undefined;
  }

  /** A whole batch is buffered (BatchSize records or the payload cap): reading more for this lane waits. */
  get full(): boolean {
    return this.assembler.isFull;
  }

  /** The next step of the batch in flight (undefined when idle). Never rejects. */
  get step(): Promise<LaneStep> | undefined {
    return this.pending;
  }

  push(records: readonly StreamRecord[]): void {
    if (records.length === 0) return;
    if (this.assembler.isEmpty) this.bufferedSince = this.options.now();
    this.assembler.push(records);
  }

  /**
   * The shard should be read for this lane: idle and its next batch may still grow, or — with `readAhead` — busy
   * with nothing buffered, so the next batch is read while this one runs and the function never waits for a read.
   * A tumbling window's lane reads only when idle: whether its window is over depends on what a read finds.
   */
  wantsRecords(at: number, readAhead = false): boolean {
    if (this.full) return false;
    if (this.busy) return readAhead && this.options.tumbling === undefined && this.assembler.isEmpty;
    return this.assembler.isEmpty || this.windowOpen(at);
  }

  /**
   * Idle with records whose batch is complete (full, window closed, or nothing more will come), or with a tumbling
   * window that is over.
   */
  readyToSend(at: number, noMoreRecords: boolean): boolean {
    if (this.busy) return false;
    if (this.tumblingStep(noMoreRecords)?.kind === 'close') return true;
    return !this.assembler.isEmpty && (this.full || !this.windowOpen(at) || noMoreRecords);
  }

  /** A read requested at `requestedAtMs` (wall clock, epoch ms) returned everything the shard had. */
  caughtUp(requestedAtMs: number): void {
    this.options.tumbling?.window.caughtUp(requestedAtMs);
  }

  /** When the window of the buffered records closes (undefined when idle and empty, or busy). */
  windowEnd(): number | undefined {
    if (this.busy || this.assembler.isEmpty || this.options.windowMs <= 0) return undefined;
    return Math.max(this.bufferedSince, this.lastCompletion) + this.options.windowMs;
  }

  /** Cuts the next batch and starts processing it, or makes the final invoke of a tumbling window that is over. */
  send(noMoreRecords: boolean): void {
    const step = this.tumblingStep(noMoreRecords);
    if (step?.kind === 'close') {
      this.running = this.options.processor.closeWindow(step.window);
      this.advance();
      return;
    }
    const batch = this.assembler.take();
    if (!batch) return;
    this.running = this.options.processor.process(batch, step?.window);
    this.advance();
  }

  /** Lets the batch in flight go on after its last step was taken (and checkpointed). */
  advance(): void {
    const running = this.running;
    if (!running) return;
    this.pending = running.next().then(
      (next): LaneStep => {
        if (!next.done) {
          this.options.tumbling?.window.apply(next.value.window);
          return { lane: this, kind: 'settled', settled: next.value };
        }
        this.running = undefined;
        this.pending = undefined;
        this.lastCompletion = this.options.now();
        return { lane: this, kind: 'finished', result: next.value };
      },
      (error: unknown): LaneStep => {
        this.running = undefined;
        this.pending = undefined;
        return { lane: this, kind: 'failed', error };
      },
    );
  }

  private tumblingStep(noMoreRecords: boolean): ReturnType<ShardWindow['next']> {
    return this.options.tumbling?.window.next(this.assembler.first?.arrivalEpochMs, noMoreRecords);
  }

  private windowOpen(at: number): boolean {
    const end = this.windowEnd();
    return end !== undefined && at < end;
  }
}
