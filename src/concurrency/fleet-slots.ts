import { randomUUID } from 'node:crypto';
import type { Redis } from '../redis/redis-connection.js';
import { evalScript, readLuaScript } from '../redis/lua-script.js';
import type { Logger } from '../observability/logger.js';
import { once } from '../runtime/lifecycle.js';
import { sleep } from '../runtime/backoff.js';

const ACQUIRE = readLuaScript(import.meta.url, 'acquire-slot-1.lua');
const RENEW = readLuaScript(import.meta.url, 'renew-slots-1.lua');

/** A held slot lives this long without renewal: a killed replica's slots come back within it. */
export const SLOT_TTL_MS = 10_000;
/** Held slots are renewed this often (a third of their life, so one missed renewal loses nothing). */
export const SLOT_RENEW_INTERVAL_MS = 3_000;

/** How often a holder that found every slot taken asks again. */
export const SLOT_WAIT_MS = 250;

/** One slot held by this process. */
export interface FleetSlot {
  readonly key: string;
  readonly token: string;
}

/**
 * Concurrency limits that hold across every replica: a limit's slots are a sorted set in Redis, each held slot
 * a member with an expiry on the Redis clock. This process renews the slots it holds on one timer; a replica
 * that dies stops renewing, and its slots come back after {@link SLOT_TTL_MS}.
 */
export class FleetSlots {
  /** key → token → performance.now() when its last successful renewal (or its acquisition) was sent. */
  private readonly held = new Map<string, Map<string, number>>();
  private readonly timer: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly redis: Redis,
    private readonly workerId: string,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.renewAll(), SLOT_RENEW_INTERVAL_MS);
    this.timer.unref();
  }

  /** Takes a slot of the limit kept at `key` when fewer than `limit` are held fleet-wide; undefined otherwise. */
  async tryAcquire(key: string, limit: number): Promise<FleetSlot | undefined> {
    const token = `${this.workerId}:${randomUUID()}`;
    const sentAt = performance.now();
    const taken = (await evalScript(this.redis, ACQUIRE, [key], [token, limit, SLOT_TTL_MS])) === 1;
    if (!taken) return undefined;
    let tokens = this.held.get(key);
    if (!tokens) this.held.set(key, (tokens = new Map()));
    tokens.set(token, sentAt);
    return { key, token };
  }

  /**
   * Whether the slot may still count as held: its renewal has not failed for so long that it may have expired in
   * Redis (then another replica may have taken it, and using it would run past the limit). Counted from when the
   * last successful renewal was sent.
   */
  holds(slot: FleetSlot): boolean {
    const renewedAt = this.held.get(slot.key)?.get(slot.token);
    return renewedAt !== undefined && performance.now() - renewedAt < SLOT_TTL_MS;
  }

  /**
   * Waits for a slot of the limit kept at `key`, checking every {@link SLOT_WAIT_MS}; undefined once `signal`
   * aborts. A Redis error counts as "no slot yet" (logged), so an outage delays work instead of running past the limit.
   */
  async acquire(key: string, limit: number, signal: AbortSignal): Promise<FleetSlot | undefined> {
    while (!signal.aborted) {
      try {
        const slot = await this.tryAcquire(key, limit);
        if (slot) return slot;
      } catch (err) {
        this.logger.warn({ err, key }, 'slot_acquire_failed');
      }
      await sleep(SLOT_WAIT_MS, signal);
    }
    return undefined;
  }

  /** Gives a slot back. Never throws: an unreachable Redis lets the slot expire instead. */
  async release(slot: FleetSlot): Promise<void> {
    const tokens = this.held.get(slot.key);
    if (!tokens?.delete(slot.token)) return;
    if (tokens.size === 0) this.held.delete(slot.key);
    try {
      await this.redis.zrem(slot.key, slot.token);
    } catch (err) {
      this.logger.warn({ err, key: slot.key }, 'slot_release_failed');
    }
  }

  /** Stops renewing; slots still held expire by themselves. */
  readonly close = once(async (): Promise<void> => {
    clearInterval(this.timer);
  });

  private async renewAll(): Promise<void> {
    if (this.renewing) return; // a renewal still waiting for Redis (it times out): no pile-up
    this.renewing = true;
    try {
      await this.renewEach();
    } finally {
      this.renewing = false;
    }
  }

  private async renewEach(): Promise<void> {
    for (const [key, tokens] of this.held) {
      const sentAt = performance.now();
      const sent = [...tokens.keys()];
      try {
        const renewed = new Set((await evalScript(this.redis, RENEW, [key], [SLOT_TTL_MS, ...sent])) as string[]);
        for (const token of sent) {
          // A slot that expired in Redis is no longer ours, whatever happens next: it stops counting as held.
          if (!tokens.has(token)) continue; // released meanwhile
          tokens.set(token, renewed.has(token) ? sentAt : -Infinity);
        }
      } catch (err) {
        this.logger.warn({ err, key }, 'slot_renew_failed');
      }
    }
  }
}
