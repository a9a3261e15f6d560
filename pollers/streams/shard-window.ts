import type { WindowCheckpoint } from '../../src/checkpoints/shard-checkpoint.js';
import { WINDOW_CLOSE_DELAY_MS, freshWindow, sameWindow, windowAt } from './tumbling-window.js';

/** What a shard with tumbling windows sends next. */
export type WindowStep =
  /** The open window is over: its final invoke goes first. */
  | { readonly kind: 'close'; readonly window: WindowCheckpoint }
  /** The next batch belongs to this window (the open one, or a fresh one). */
  | { readonly kind: 'batch'; readonly window: WindowCheckpoint };

/**
 * The open tumbling window of one shard (TumblingWindowInSeconds) and when it is over. Pure: it is told what was
 * read and settled, and says what to send next.
 *
 * A window is over when a record of a later window comes (records come in arrival order), when a read made after
 * its end (plus {@link WINDOW_CLOSE_DELAY_MS}) found nothing more, when the shard has ended, or at once when its
 * state outgrew the limit (it ended early).
 */
export class ShardWindow {
  private open: WindowCheckpoint | undefined;
  /** Wall-clock time of the latest read that returned everything the shard had, epoch ms. */
  private caughtUpAtMs = -Infinity;

  /** @param stored the window stored with the checkpoint the shard resumes from */
  constructor(
    private readonly windowSeconds: number,
    stored?: WindowCheckpoint,
  ) {
    this.open = stored;
  }

  /** The open window, undefined when none is. */
  get current(): WindowCheckpoint | undefined {
    return this.open;
  }

  /** A read requested at `requestedAtMs` (epoch ms) returned everything the shard had then. */
  caughtUp(requestedAtMs: number): void {
    this.caughtUpAtMs = Math.max(this.caughtUpAtMs, requestedAtMs);
  }

  /** What settled records left behind: the window moved on, or closed (`null`); undefined changes nothing. */
  apply(window: WindowCheckpoint | null | undefined): void {
    if (window !== undefined) this.open = window ?? undefined;
  }

  /**
   * What to send next.
   * @param nextArrivalMs arrival of the first record waiting to be sent, undefined when none waits
   * @param shardEnded the shard is closed and was read to its end
   * @returns undefined when there is nothing to send
   */
  next(nextArrivalMs: number | undefined, shardEnded: boolean): WindowStep | undefined {
    const open = this.open;
    if (open?.terminatedEarly) return { kind: 'close', window: open };
    if (nextArrivalMs === undefined) {
      if (!open) return undefined;
      const over = shardEnded || this.caughtUpAtMs >= open.endMs + WINDOW_CLOSE_DELAY_MS;
      return over ? { kind: 'close', window: open } : undefined;
    }
    const bounds = windowAt(nextArrivalMs, this.windowSeconds);
    if (open && !sameWindow(open, bounds)) return { kind: 'close', window: open };
    return { kind: 'batch', window: open ?? freshWindow(bounds) };
  }
}
