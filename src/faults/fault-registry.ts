import type { Redis } from '../redis/redis-connection.js';
import type { RedisKeys } from '../redis/keys.js';
import { evalScript, readLuaScript } from '../redis/lua-script.js';
import type { Logger } from '../observability/logger.js';
import { once, settlesWithin } from '../runtime/lifecycle.js';
import { faultsExpired, type FunctionFaults } from './function-faults.js';

const CONSUME = readLuaScript(import.meta.url, 'consume-fault-2.lua');

/** How often each replica reads the fleet's faults from Redis: a change made through another replica shows within it. */
export const FAULT_REFRESH_INTERVAL_MS = 1_000;
/** Longest wait for Redis to count an invocation against a `count`; past it the invocation runs without faults. */
const CONSUME_TIMEOUT_MS = 1_000;

/** Faults as the API shows them: what was set, and how many invocations a `count` still covers. */
export interface FaultsView extends FunctionFaults {
  readonly remaining?: number;
}

/** What the API reads and changes (handed down by the composition root). */
export interface FaultControl {
  get(functionName: string): Promise<FaultsView | undefined>;
  set(functionName: string, faults: FunctionFaults): Promise<FaultsView>;
  /** @returns whether faults were set */
  clear(functionName: string): Promise<boolean>;
  /** Faults active on this replica now, by function name (for /readyz). */
  active(): ReadonlyMap<string, FunctionFaults>;
}

/** What an invoker asks before each invocation. */
export interface FaultSource {
  /** The faults that apply to this invocation of `functionName` (counted against a `count`), or undefined. */
  take(functionName: string): Promise<FunctionFaults | undefined>;
}

/**
 * The faults of the fleet's functions. They live in Redis, so a fault set through any replica's API applies to the
 * invocations of every replica; each replica keeps a snapshot it refreshes every {@link FAULT_REFRESH_INTERVAL_MS}
 * (changes made through this replica apply at once), so an invocation without faults costs no Redis round trip.
 * A `count` is counted in Redis, one invocation at a time, across the fleet.
 */
export class FaultRegistry implements FaultControl, FaultSource {
  private snapshot = new Map<string, FunctionFaults>();
  /** Bumped by each local change, so a refresh that started before it does not bring the old value back. */
  private generation = 0;
  private refreshing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly functionNames: readonly string[],
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the fleet's faults once, then keeps refreshing them. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), FAULT_REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  readonly stop = once(async (): Promise<void> => {
    clearInterval(this.timer);
  });

  active(): ReadonlyMap<string, FunctionFaults> {
    for (const [name, faults] of this.snapshot) if (faultsExpired(faults, this.now())) this.snapshot.delete(name);
    return this.snapshot;
  }

  async take(functionName: string): Promise<FunctionFaults | undefined> {
    const faults = this.snapshot.get(functionName);
    if (!faults) return undefined;
    if (faultsExpired(faults, this.now())) {
      this.snapshot.delete(functionName);
      return undefined;
    }
    if (faults.count === undefined) return faults;
    let left: number | undefined;
    const counting = evalScript(this.redis, CONSUME, [this.keys.functionFaults(functionName), this.keys.functionFaultsRemaining(functionName)], []).then(
      (value) => (left = Number(value)),
    );
    counting.catch((err: unknown) => this.logger.warn({ err, function: functionName }, 'fault_count_failed'));
    if (!(await settlesWithin(counting, CONSUME_TIMEOUT_MS)) || left === undefined) return undefined;
    if (left <= 0 && this.snapshot.get(functionName) === faults) {
      // Used up (or the last one): later invocations of this replica skip Redis.
      this.snapshot.delete(functionName);
      this.generation += 1;
    }
    return left >= 0 ? faults : undefined;
  }

  async get(functionName: string): Promise<FaultsView | undefined> {
    const [text, remaining] = await this.redis.mget(this.keys.functionFaults(functionName), this.keys.functionFaultsRemaining(functionName));
    const faults = text ? parseFaults(text) : undefined;
    if (!faults || faultsExpired(faults, this.now())) return undefined;
    return faults.count !== undefined && remaining !== null && remaining !== undefined ? { ...faults, remaining: Math.max(0, Number(remaining)) } : faults;
  }

  async set(functionName: string, faults: FunctionFaults): Promise<FaultsView> {
    const key = this.keys.functionFaults(functionName);
    const remainingKey = this.keys.functionFaultsRemaining(functionName);
    const text = JSON.stringify(faults);
    const write = this.redis.multi();
    if (faults.until !== undefined) write.set(key, text, 'PXAT', Date.parse(faults.until));
    else write.set(key, text);
    if (faults.count !== undefined) write.set(remainingKey, faults.count);
    else write.del(remainingKey);
    await write.exec();
    this.snapshot.set(functionName, faults);
    this.generation += 1;
    this.logger.info({ function: functionName, faults }, 'faults_set');
    return faults.count !== undefined ? { ...faults, remaining: faults.count } : faults;
  }

  async clear(functionName: string): Promise<boolean> {
    const removed = await this.redis.del(this.keys.functionFaults(functionName), this.keys.functionFaultsRemaining(functionName));
    this.snapshot.delete(functionName);
    this.generation += 1;
    this.logger.info({ function: functionName }, 'faults_cleared');
    return removed > 0;
  }

  /** Replaces the snapshot with Redis's view; a Redis error keeps the last one. */
  private async refresh(): Promise<void> {
    if (this.refreshing || this.functionNames.length === 0) return;
    this.refreshing = true;
    const generation = this.generation;
    try {
      const texts = await this.redis.mget(...this.functionNames.map((name) => this.keys.functionFaults(name)));
      if (generation !== this.generation) return;
      const next = new Map<string, FunctionFaults>();
      texts.forEach((text, index) => {
        const faults = text ? parseFaults(text) : undefined;
        if (faults && !faultsExpired(faults, this.now())) next.set(this.functionNames[index]!, faults);
      });
      this.snapshot = next;
    } catch (err) {
      this.logger.debug({ err }, 'faults_refresh_failed');
    } finally {
      this.refreshing = false;
    }
  }
}

function parseFaults(text: string): FunctionFaults | undefined {
  try {
    return JSON.parse(text) as FunctionFaults;
  } catch {
    return undefined;
  }
}
