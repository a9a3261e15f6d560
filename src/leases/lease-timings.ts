/**
 * Lease timings (KCL's defaults scaled down for a small fleet). Tests pass shorter ones.
 */
export interface LeaseTimings {
  /** A lease not renewed for this long may be taken by another worker, ms. */
  readonly leaseDurationMs: number;
  /** How often held leases are renewed, ms (well under the duration). */
  readonly renewIntervalMs: number;
  /** How often a worker looks for free leases and balances shards with other workers, ms. */
  readonly balanceIntervalMs: number;
}

/** Lease lifetime without renewal, ms. */
export const LEASE_DURATION_MS = 10_000;
/** Renewal period, ms: three renewals per lifetime, so one slow round trip does not lose a lease. */
export const LEASE_RENEW_INTERVAL_MS = 3_000;
/**
 * Balancing period, ms: how soon a released shard (its holder stopped) is taken by another replica, and how often a
 * claim is renewed.
 */
export const LEASE_BALANCE_INTERVAL_MS = 1_000;

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = {
  leaseDurationMs: LEASE_DURATION_MS,
  renewIntervalMs: LEASE_RENEW_INTERVAL_MS,
  balanceIntervalMs: LEASE_BALANCE_INTERVAL_MS,
};
