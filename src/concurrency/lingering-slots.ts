import { SLOT_WAIT_MS, type FleetSlot, type FleetSlots } from './fleet-slots.js';

/** How long a slot given back stays with this process for the next invocation before it goes back to the fleet. */
export const SLOT_LINGER_MS = 20;
/**
 * The longest one slot is kept from its acquisition, reused or not: then it goes back to the fleet, so a replica
 * waiting for a slot (it asks every {@link SLOT_WAIT_MS}) finds one free at least as often as it asks.
 */
export const SLOT_MAX_HOLD_MS = SLOT_WAIT_MS;

/** A slot in use by this process. */
export interface HeldSlot {
  readonly slot: FleetSlot;
  /** performance.now() at acquisition. */
  readonly since: number;
}

interface Lingering extends HeldSlot {
  /** performance.now() after which it goes back to the fleet. */
  readonly until: number;
}

/**
 * The fleet slots of one limit as one process uses them for back-to-back work: a slot given back lingers here for
 * {@link SLOT_LINGER_MS}, and the next acquisition in that time takes it over without a Redis round trip. The fleet
 * never counts more holders than before — a lingering slot is still held — and no slot is kept past
 * {@link SLOT_MAX_HOLD_MS}. A busy poller so pays the round trips of acquire and release once per
 * {@link SLOT_MAX_HOLD_MS} instead of once per invocation.
 */
export class LingeringSlots {
  /** Oldest first: reuse takes the newest, the sweep gives back from the front. */
  private readonly lingering: Lingering[] = [];
  /** One timer for every lingering slot (not one per release: back-to-back work releases hundreds a second). */
  private sweep: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly slots: FleetSlots,
    private readonly key: string,
  ) {}

  /** A lingering slot still good to use, else a fresh one when fewer than `limit` are held fleet-wide. */
  async tryAcquire(limit: number): Promise<HeldSlot | undefined> {
    for (let reused = this.lingering.pop(); reused; reused = this.lingering.pop()) {
      if (this.slots.holds(reused.slot) && !this.expired(reused)) return { slot: reused.slot, since: reused.since };
      void this.slots.release(reused.slot);
    }
    const since = performance.now();
    const slot = await this.slots.tryAcquire(this.key, limit);
    return slot && { slot, since };
  }

  /**
   * Gives a slot back: it lingers for the next acquisition unless it could not be reused before its hold ends (or
   * this is closing). So the hold always ends here, where the slot is free until this process's next acquisition,
   * never inside {@link tryAcquire}, where it would be taken back at once.
   */
  release(held: HeldSlot): void {
    if (this.closed || this.expired(held, SLOT_LINGER_MS) || !this.slots.holds(held.slot)) {
      void this.slots.release(held.slot);
      return;
    }
    this.lingering.push({ slot: held.slot, since: held.since, until: performance.now() + SLOT_LINGER_MS });
    this.sweep ??= setTimeout(() => this.giveBackExpired(), SLOT_LINGER_MS).unref();
  }

  /** Gives every lingering slot back to the fleet; later releases do not linger. */
  close(): void {
    this.closed = true;
    clearTimeout(this.sweep);
    this.sweep = undefined;
    for (const entry of this.lingering.splice(0)) void this.slots.release(entry.slot);
  }

  /** Gives back the slots whose linger is over; runs again for the others. */
  private giveBackExpired(): void {
    this.sweep = undefined;
    const now = performance.now();
    while (this.lingering.length > 0 && this.lingering[0]!.until <= now) void this.slots.release(this.lingering.shift()!.slot);
    const next = this.lingering[0];
    if (next) this.sweep = setTimeout(() => this.giveBackExpired(), Math.max(1, next.until - now)).unref();
  }

  /** Whether the slot's hold ends within `marginMs`. */
  private expired(held: HeldSlot, marginMs = 0): boolean {
    return performance.now() - held.since + marginMs >= SLOT_MAX_HOLD_MS;
  }
}
