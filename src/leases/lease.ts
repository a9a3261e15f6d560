/**
 * A lease gives one worker the exclusive right to process one shard of one mapping (KCL's model).
 *
 * `counter` is the fencing token: it grows every time the lease changes hands (take), so a write made under an
 * older counter is refused even when the same worker took the lease again.
 */
export interface Lease {
  readonly shardId: string;
  /** Worker id of the holder; empty when released. */
  readonly owner: string;
  readonly counter: number;
  /** Epoch ms (Redis server clock) after which the lease may be taken by anyone. */
  readonly expiresAtMs: number;
  /** Worker that asked the holder to hand the shard over (balancing), if any. */
  readonly claimant?: string;
}

/** The part of a lease a holder proves its right with. */
export interface HeldLease {
  readonly shardId: string;
  readonly owner: string;
  readonly counter: number;
}

/** True when nobody holds the lease at `nowMs`: released or expired. */
export function isLeaseFree(lease: Lease, nowMs: number): boolean {
  return lease.owner === '' || lease.expiresAtMs <= nowMs;
}
