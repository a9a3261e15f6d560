import type { HeldLease, Lease } from './lease.js';

/** What a renewal found. */
export type RenewResult =
  /** Still ours; expiry pushed back. */
  | 'renewed'
  /** Still ours and renewed, but another worker claimed the shard: finish the batch in flight, then release. */
  | 'handoff_requested'
  /** Taken by another worker (or gone): stop processing the shard without writing. */
  | 'lost';

/**
 * Leases of one mapping's shards, shared by every worker (process) that runs the mapping. Every
 * read-check-write is atomic; expiry is judged on the store's clock, so workers' clocks do not matter.
 */
export interface LeaseStore {
  /** Every lease of the mapping and the store's clock (epoch ms) at the time of reading. */
  list(): Promise<{ readonly nowMs: number; readonly leases: readonly Lease[] }>;
  /**
   * Takes the lease of `shardId` for `owner` when it is free (missing, released or expired) or already the
   * owner's, and not claimed by another worker. The counter grows by one.
   * @returns the new lease, or undefined when someone else holds (or claimed) it
   */
  take(shardId: string, owner: string, durationMs: number): Promise<HeldLease | undefined>;
  /** Pushes the expiry of a held lease back by `durationMs`. */
  renew(lease: HeldLease, durationMs: number): Promise<RenewResult>;
  /**
   * Asks the holder of `lease` (as observed: owner and counter) to hand the shard over to `claimant`; the claim
   * lapses after `durationMs`.
   * @returns false when the lease changed since it was observed or another claim is pending
   */
  claim(lease: HeldLease, claimant: string, durationMs: number): Promise<boolean>;
  /** Withdraws `claimant`'s claim on the lease of `shardId`, if it still has one. */
  withdrawClaim(shardId: string, claimant: string): Promise<void>;
  /**
   * Releases a held lease: free for anyone at once. With `forget`, the lease is deleted (the shard ended).
   * @returns false when it was not held under this counter any more
   */
  release(lease: HeldLease, options?: { readonly forget?: boolean }): Promise<boolean>;
  /**
   * Announces `workerId` alive for `ttlMs` and returns how many workers of the mapping are alive (itself
   * included).
   */
  heartbeat(workerId: string, ttlMs: number): Promise<number>;
  /** Removes `workerId` from the live workers (on shutdown), so others re-balance at once. */
  leave(workerId: string): Promise<void>;
  /** The shards that have a lease entry, held or not. */
  shardIds(): Promise<string[]>;
  /** Deletes the leases of shards that no longer exist, whoever holds them (a holder then finds its lease lost). */
  forget(shardIds: readonly string[]): Promise<void>;
}
