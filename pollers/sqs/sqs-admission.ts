import type { BatchSealReason } from './sqs-batch.js';
import { WakeSignal } from './wake-signal.js';

/** Re-check of the function's free concurrency while other callers use it all up. */
const SLOT_RECHECK_MS = 100;
/** Re-check of the collection turn (normally a wake-up comes first). */
const TURN_RECHECK_MS = 1_000;

/** A reservation of one invocation of the function, taken before receiving. */
export interface InvokeSlot {
  held: boolean;
}

/**
 * Decides when a poller of one SQS mapping may receive:
 * - only with an invoke slot — the function has room for one more invocation now, counting the slots other
 *   pollers of the mapping took and have not used yet — so messages are never received just to wait;
 * - with a batching window and no backlog, only one poller collects at a time, so a trickle of messages
 *   forms one batch per window instead of one small batch per poller. Without a window, under a backlog
 *   (the last batch was closed by size or payload limit), or for a poller that carries messages over, every
 *   poller collects at once.
 * Every wait ends when `signal` aborts (stop).
 */
export class SqsAdmission {
  private readonly wake = new WakeSignal();
  private reserved = 0;
  private running = 0;
  private collectors = 0;
  private backlog = false;

  constructor(
    private readonly fn: { readonly freeConcurrency: number },
    private readonly windowed: boolean,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.wake.notify(), { once: true });
  }

  /** Waits for an invoke slot; undefined once stopping. */
  async acquireSlot(): Promise<InvokeSlot | undefined> {
    while (!this.signal.aborted) {
      if (this.fn.freeConcurrency - this.reserved > 0) {
        this.reserved += 1;
        return { held: true };
      }
      await this.wake.wait(this.signal, SLOT_RECHECK_MS);
    }
    return undefined;
  }

  /** Gives the slot back (its invocation started, so the function counts it now, or it was not needed). Idempotent. */
  releaseSlot(slot: InvokeSlot): void {
    if (!slot.held) return;
    slot.held = false;
    this.reserved -= 1;
    this.wake.notify();
  }

  /** Waits for the turn to collect a batch; false once stopping. Pair with {@link endCollection}. */
  async beginCollection(carrying: boolean): Promise<boolean> {
    while (!this.signal.aborted) {
      if (carrying || !this.windowed || this.collectors === 0 || this.backlog) {
        this.collectors += 1;
        return true;
      }
      await this.wake.wait(this.signal, TURN_RECHECK_MS);
    }
    return false;
  }

  /** Ends a collection; how the batch was closed tells whether the queue has a backlog. */
  endCollection(sealedBy: BatchSealReason | undefined): void {
    this.collectors -= 1;
    if (sealedBy === 'size' || sealedBy === 'payload_limit') this.backlog = true;
    else if (sealedBy === 'window') this.backlog = false;
    this.wake.notify();
  }

  /** Invocations of this mapping running now. */
  get inFlight(): number {
    return this.running;
  }

  /** An invocation of the mapping starts. */
  invocationStarted(): void {
    this.running += 1;
  }

  /** An invocation of the mapping ended: a slot may be free. */
  invocationEnded(): void {
    this.running -= 1;
    this.wake.notify();
  }
}
