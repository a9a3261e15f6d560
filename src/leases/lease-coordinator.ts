import type { Logger } from '../observability/logger.js';
import type { HeldLease } from './lease.js';
import type { LeaseStore } from './lease-store.js';
import type { LeaseTimings } from './lease-timings.js';
import { planBalance } from './lease-balancer.js';

/** How much later than its renewal period a lease may have been renewed and still be trusted without asking. */
const RENEWAL_LATENESS_TOLERANCE_MS = 1_000;

/** What a renewal round found for one held lease that is not simply renewed. */
export interface LeaseChange {
  readonly shardId: string;
  /** `lost`: stop without writing; `handoff`: another worker claimed it, finish and release. */
  readonly kind: 'lost' | 'handoff';
}

interface HeldEntry {
  readonly lease: HeldLease;
  /** performance.now() of the last successful take or renewal. */
  renewedAt: number;
  /** A hand-over was already reported for this lease. */
  handoffReported: boolean;
}

/**
 * The leases one worker holds for one mapping: takes free ones, renews held ones, claims from the most loaded
 * worker so that live workers share the shards evenly, and releases them. It does not run a loop of its own:
 * the stream poller calls {@link renew} and {@link balance} on its schedule.
 *
 * A lease whose renewal has not succeeded for a whole lease duration (Redis unreachable, process stalled) is
 * reported lost even before anyone takes it: another worker may already be allowed to.
 */
export class LeaseCoordinator {
  private readonly held = new Map<string, HeldEntry>();
  /** Shards this worker claimed and has not taken yet. */
  private readonly claimed = new Set<string>();

  constructor(
    private readonly store: LeaseStore,
    private readonly workerId: string,
    private readonly timings: LeaseTimings,
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Shards whose lease this worker holds. */
  get heldShardIds(): ReadonlySet<string> {
    return new Set(this.held.keys());
  }

  /** The lease held on `shardId`, if any. */
  leaseOf(shardId: string): HeldLease | undefined {
    return this.held.get(shardId)?.lease;
  }

  /**
   * Asked before an invocation: whether the lease (this `counter`) is still held. A lease renewed within its
   * renewal period is trusted as it is. One renewed longer ago — the process was paused (SIGSTOP, a long GC, a
   * stalled event loop) and may have lost it meanwhile — is renewed first: a lease found lost is forgotten and false
   * is returned, so a woken process never invokes beside the shard's new owner. A renewal that fails (Redis
   * unreachable) trusts the lease until it may have expired, as the renewal loop does.
   */
  async confirm(shardId: string, counter: number): Promise<boolean> {
    const entry = this.held.get(shardId);
    if (!entry || entry.lease.counter !== counter) return false;
    if (this.now() - entry.renewedAt <= this.timings.renewIntervalMs + RENEWAL_LATENESS_TOLERANCE_MS) return true;
    const sentAt = this.now();
    let result: Awaited<ReturnType<LeaseStore['renew']>>;
    try {
      result = await this.store.renew(entry.lease, this.timings.leaseDurationMs);
    } catch (err) {
      this.logger.warn({ err, shardId }, 'lease_renew_failed');
      return this.held.get(shardId) === entry && this.now() - entry.renewedAt < this.timings.leaseDurationMs;
    }
    if (this.held.get(shardId) !== entry) return false;
    if (result === 'lost') {
      this.held.delete(shardId);
      this.logger.warn({ shardId, counter }, 'lease_lost');
      return false;
    }
    entry.renewedAt = sentAt;
    return true;
  }

  /** Time until the first held lease may expire (renewals failing), ms; Infinity when none is held. */
  msUntilExpiry(): number {
    let soonest = Infinity;
    for (const entry of this.held.values()) soonest = Math.min(soonest, entry.renewedAt + this.timings.leaseDurationMs - this.now());
    return Math.max(0, soonest);
  }

  /** Renews every held lease; returns the leases that were lost or that another worker asked for. */
  async renew(): Promise<LeaseChange[]> {
    const changes: LeaseChange[] = [];
    await Promise.all(
      [...this.held.values()].map(async (entry) => {
        const { shardId } = entry.lease;
        // The store pushes the expiry back from when it runs the renewal, at the latest when the reply comes; counted
        // from when the request was sent, the lease is never believed held longer than it is.
        const sentAt = this.now();
        let result: Awaited<ReturnType<LeaseStore['renew']>> | undefined;
        try {
          result = await this.store.renew(entry.lease, this.timings.leaseDurationMs);
        } catch (err) {
          this.logger.warn({ err, shardId }, 'lease_renew_failed');
        }
        if (this.held.get(shardId) !== entry) return; // released meanwhile
        if (result === 'lost') {
          this.held.delete(shardId);
          this.logger.warn({ shardId, counter: entry.lease.counter }, 'lease_lost');
          changes.push({ shardId, kind: 'lost' });
          return;
        }
        if (result !== undefined) entry.renewedAt = sentAt;
        else if (this.now() - entry.renewedAt >= this.timings.leaseDurationMs) {
          this.held.delete(shardId);
          this.logger.warn({ shardId, counter: entry.lease.counter }, 'lease_expired_unrenewed');
          changes.push({ shardId, kind: 'lost' });
          return;
        }
        if (result === 'handoff_requested' && !entry.handoffReported) {
          entry.handoffReported = true;
          this.logger.info({ shardId }, 'lease_handoff_requested');
          changes.push({ shardId, kind: 'handoff' });
        }
      }),
    );
    return changes;
  }

  /**
   * Announces this worker alive, takes free leases up to its fair share of `eligibleShardIds` and claims one
   * from the most loaded worker when that is not enough.
   * @returns the leases taken in this round
   */
  async balance(eligibleShardIds: readonly string[]): Promise<HeldLease[]> {
    const liveWorkers = await this.store.heartbeat(this.workerId, this.timings.leaseDurationMs);
    const { nowMs, leases } = await this.store.list();
    const plan = planBalance({
      workerId: this.workerId,
      nowMs,
      leases,
      eligibleShardIds: shuffled(eligibleShardIds),
      liveWorkers,
      heldShardIds: this.heldShardIds,
    });
    const taken: HeldLease[] = [];
    for (const shardId of plan.take) {
      const sentAt = this.now();
      const lease = await this.store.take(shardId, this.workerId, this.timings.leaseDurationMs);
      if (!lease) continue; // another worker was faster
      this.claimed.delete(shardId);
      this.held.set(shardId, { lease, renewedAt: sentAt, handoffReported: false });
      this.logger.info({ shardId, counter: lease.counter }, 'lease_taken');
      taken.push(lease);
    }
    // A claim lapses unless renewed by the next rounds: a claimant that died stops blocking the shard within
    // CLAIM_LIFETIME_ROUNDS balancing periods (a stopping one withdraws its claims at once, see leave()).
    const claimMs = this.timings.balanceIntervalMs * CLAIM_LIFETIME_ROUNDS;
    if (plan.claim && (await this.store.claim(plan.claim, this.workerId, claimMs))) {
      if (!this.claimed.has(plan.claim.shardId)) {
        this.logger.info({ shardId: plan.claim.shardId, from: plan.claim.owner, target: plan.target }, 'lease_claimed');
      }
      this.claimed.add(plan.claim.shardId);
    }
    return taken;
  }

  /**
   * Gives a held lease up: released for anyone to take at once, or with `forget` deleted (the shard ended).
   * Never throws; a failure only leaves the lease to expire.
   */
  async release(shardId: string, options: { readonly forget?: boolean; readonly counter?: number } = {}): Promise<void> {
    const entry = this.held.get(shardId);
    // With `counter`, only that lease: a consumer exiting late must not give up a newer lease on its shard.
    if (!entry || (options.counter !== undefined && entry.lease.counter !== options.counter)) return;
    this.held.delete(shardId);
    try {
      await this.store.release(entry.lease, options);
      this.logger.info({ shardId, forget: options.forget ?? false }, 'lease_released');
    } catch (err) {
      this.logger.warn({ err, shardId }, 'lease_release_failed');
    }
  }

  /** Forgets a lease known to be lost, without writing; with `counter`, only that lease. */
  drop(shardId: string, counter?: number): void {
    if (counter !== undefined && this.held.get(shardId)?.lease.counter !== counter) return;
    this.held.delete(shardId);
  }

  /**
   * Withdraws this worker's claims (nobody waits on a shard it will never take) and removes it from the live
   * workers so the others re-balance at once. Never throws.
   */
  async leave(): Promise<void> {
    await Promise.all(
      [...this.claimed].map(async (shardId) => {
        try {
          await this.store.withdrawClaim(shardId, this.workerId);
          this.logger.info({ shardId }, 'lease_claim_withdrawn');
        } catch (err) {
          this.logger.warn({ err, shardId }, 'lease_claim_withdraw_failed');
        }
      }),
    );
    this.claimed.clear();
    try {
      await this.store.leave(this.workerId);
    } catch (err) {
      this.logger.warn({ err }, 'worker_leave_failed');
    }
  }
}

/** Balancing periods a claim lasts without being renewed by its claimant. */
export const CLAIM_LIFETIME_ROUNDS = 2;

/** A shuffled copy, so that workers starting together do not all race for the same shards first. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
