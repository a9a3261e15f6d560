import { isLeaseFree, type HeldLease, type Lease } from './lease.js';

/** What one worker sees when it balances: the leases, the shards that may be processed now, the live workers. */
export interface BalanceInput {
  /** This worker. */
  readonly workerId: string;
  /** Store clock, epoch ms. */
  readonly nowMs: number;
  readonly leases: readonly Lease[];
  /** Shards ready to be processed (lineage satisfied, not ended), in the order this worker prefers them. */
  readonly eligibleShardIds: readonly string[];
  /** Live workers of the mapping, this one included. */
  readonly liveWorkers: number;
  /** Shards whose lease this worker holds. */
  readonly heldShardIds: ReadonlySet<string>;
}

export interface BalancePlan {
  /** How many shards this worker aims at: its fair share. */
  readonly target: number;
  /** Free leases to take now (released, expired, never taken, or claimed by this worker). */
  readonly take: readonly string[];
  /** A lease of the most loaded worker to claim, when taking free ones does not reach the fair share. */
  readonly claim?: HeldLease;
}

/**
 * Decides which leases a worker takes (KCL-style balancing): each worker aims at its fair share
 * ⌈eligible / live workers⌉; it first takes free leases (those it claimed before others), and when that is not
 * enough it claims one lease of the most loaded worker, if that worker holds more than the fair share or at
 * least two more than this one. One claim per round keeps hand-overs calm.
 */
export function planBalance(input: BalanceInput): BalancePlan {
  const eligible = input.eligibleShardIds;
  const target = eligible.length === 0 ? 0 : Math.ceil(eligible.length / Math.max(1, input.liveWorkers));
  const byShard = new Map(input.leases.map((lease) => [lease.shardId, lease]));

  const claimedByMe: string[] = [];
  const free: string[] = [];
  for (const shardId of eligible) {
    if (input.heldShardIds.has(shardId)) continue;
    const lease = byShard.get(shardId);
    if (lease === undefined) {
      free.push(shardId);
      continue;
    }
    if (!isLeaseFree(lease, input.nowMs) && lease.owner !== input.workerId) continue;
    if (lease.claimant === input.workerId) claimedByMe.push(shardId);
    else if (lease.claimant === undefined) free.push(shardId);
  }
  const wanted = Math.max(0, target - input.heldShardIds.size);
  const take = [...claimedByMe, ...free].slice(0, wanted);
  const willHold = input.heldShardIds.size + take.length;
  if (willHold >= target) return { target, take };

  // Not enough free shards: look at who holds the others.
  const eligibleSet = new Set(eligible);
  const byOwner = new Map<string, Lease[]>();
  for (const lease of input.leases) {
    if (!eligibleSet.has(lease.shardId) || isLeaseFree(lease, input.nowMs) || lease.owner === input.workerId) continue;
    const owned = byOwner.get(lease.owner) ?? [];
    owned.push(lease);
    byOwner.set(lease.owner, owned);
  }
  let victim: Lease[] | undefined;
  for (const owned of byOwner.values()) {
    if (!victim || owned.length > victim.length) victim = owned;
  }
  if (!victim) return { target, take };
  const loaded = victim.length > target || victim.length - willHold >= 2;
  // Renew this worker's own claim rather than claim a second lease (a claim lapses unless renewed).
  const candidate = victim.find((lease) => lease.claimant === input.workerId) ?? victim.find((lease) => lease.claimant === undefined);
  if (!loaded || !candidate) return { target, take };
  return { target, take, claim: { shardId: candidate.shardId, owner: candidate.owner, counter: candidate.counter } };
}
