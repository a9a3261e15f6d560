import { describe, expect, it } from 'vitest';
import { LeaseCoordinator } from '../../../src/leases/lease-coordinator.js';
import type { HeldLease, Lease } from '../../../src/leases/lease.js';
import type { LeaseStore, RenewResult } from '../../../src/leases/lease-store.js';
import { createLogger } from '../../../src/observability/logger.js';

const TIMINGS = { leaseDurationMs: 1_000, renewIntervalMs: 300, balanceIntervalMs: 300 };

/** An in-memory lease store with a settable clock and scripted failures. */
class MemoryLeaseStore implements LeaseStore {
  nowMs = 1_000_000;
  liveWorkers = 1;
  failRenewals = false;
  readonly leases = new Map<string, Lease>();
  readonly claims: { lease: HeldLease; claimant: string }[] = [];

  async list() {
    return { nowMs: this.nowMs, leases: [...this.leases.values()] };
  }
  async take(shardId: string, owner: string, durationMs: number) {
    const lease = this.leases.get(shardId);
    if (lease && lease.owner !== '' && lease.owner !== owner && lease.expiresAtMs > this.nowMs) return undefined;
    const counter = (lease?.counter ?? 0) + 1;
    this.leases.set(shardId, { shardId, owner, counter, expiresAtMs: this.nowMs + durationMs });
    return { shardId, owner, counter };
  }
  async renew(held: HeldLease): Promise<RenewResult> {
    if (this.failRenewals) throw new Error('store unreachable');
    const lease = this.leases.get(held.shardId);
    if (!lease || lease.owner !== held.owner || lease.counter !== held.counter) return 'lost';
    return lease.claimant ? 'handoff_requested' : 'renewed';
  }
  async claim(lease: HeldLease, claimant: string, _durationMs?: number) {
    this.claims.push({ lease, claimant });
    const stored = this.leases.get(lease.shardId)!;
    this.leases.set(lease.shardId, { ...stored, claimant });
    return true;
  }
  async release(held: HeldLease, options: { forget?: boolean } = {}) {
    if (options.forget) this.leases.delete(held.shardId);
    else this.leases.set(held.shardId, { ...this.leases.get(held.shardId)!, owner: '', expiresAtMs: 0 });
    return true;
  }
  async withdrawClaim(shardId: string, claimant: string) {
    const stored = this.leases.get(shardId);
    if (stored?.claimant === claimant) {
      const { claimant: _gone, ...rest } = stored;
      this.leases.set(shardId, rest);
    }
  }
  async heartbeat() {
    return this.liveWorkers;
  }
  async leave() {}
  async shardIds() {
    return [...this.leases.keys()];
  }
  async forget(shardIds: readonly string[]) {
    for (const shardId of shardIds) this.leases.delete(shardId);
  }
}

function coordinator(store: MemoryLeaseStore, clock = { now: 0 }) {
  return new LeaseCoordinator(store, 'me', TIMINGS, createLogger('silent'), () => clock.now);
}

describe('LeaseCoordinator', () => {
  it('confirms a freshly renewed lease without asking the store, and renews a stale one before saying yes', async () => {
    const store = new MemoryLeaseStore();
    const clock = { now: 0 };
    const leases = coordinator(store, clock);
    const [lease] = await leases.balance(['s1']);
    let renewals = 0;
    const renew = store.renew.bind(store);
    store.renew = async (held) => {
      renewals += 1;
      return renew(held);
    };
    clock.now = TIMINGS.renewIntervalMs; // within the renewal period
    expect(await leases.confirm('s1', lease!.counter)).toBe(true);
    expect(renewals).toBe(0);
    clock.now = 5_000; // paused far past it
    expect(await leases.confirm('s1', lease!.counter)).toBe(true);
    expect(renewals).toBe(1);
    expect(await leases.confirm('s1', lease!.counter + 1)).toBe(false);
  });

  it('says no, and forgets the lease, when a process woken after a pause finds it taken', async () => {
    const store = new MemoryLeaseStore();
    const clock = { now: 0 };
    const leases = coordinator(store, clock);
    const [lease] = await leases.balance(['s1']);
    // Paused past the lease: another worker took the shard meanwhile.
    store.leases.set('s1', { shardId: 's1', owner: 'other', counter: lease!.counter + 1, expiresAtMs: store.nowMs + 10_000 });
    clock.now = 5_000;
    expect(await leases.confirm('s1', lease!.counter)).toBe(false);
    expect(leases.heldShardIds.has('s1')).toBe(false);
  });

  it('takes its fair share of the eligible shards', async () => {
    const store = new MemoryLeaseStore();
    store.liveWorkers = 2;
    const leases = coordinator(store);
    const taken = await leases.balance(['s1', 's2', 's3', 's4']);
    expect(taken).toHaveLength(2);
    expect(leases.heldShardIds.size).toBe(2);
    expect(await leases.balance(['s1', 's2', 's3', 's4'])).toEqual([]);
  });

  it('claims for two balancing periods only, and withdraws its claims when it leaves', async () => {
    const store = new MemoryLeaseStore();
    for (const shardId of ['s1', 's2']) await store.take(shardId, 'other', 60_000);
    store.liveWorkers = 2;
    const durations: number[] = [];
    const claim = store.claim.bind(store);
    store.claim = async (lease, claimant, durationMs) => {
      durations.push(durationMs ?? -1);
      return claim(lease, claimant, durationMs);
    };
    const leases = coordinator(store);
    await leases.balance(['s1', 's2']);
    const claimed = store.claims[0]!.lease.shardId;
    expect(durations).toEqual([TIMINGS.balanceIntervalMs * 2]);
    expect(store.leases.get(claimed)?.claimant).toBe('me');

    await leases.leave();

    expect(store.leases.get(claimed)?.claimant).toBeUndefined();
  });

  it('claims from a worker holding more than its share', async () => {
    const store = new MemoryLeaseStore();
    for (const shardId of ['s1', 's2']) await store.take(shardId, 'other', 60_000);
    store.liveWorkers = 2;
    const leases = coordinator(store);
    expect(await leases.balance(['s1', 's2'])).toEqual([]);
    expect(store.claims).toEqual([{ lease: expect.objectContaining({ owner: 'other' }), claimant: 'me' }]);
  });

  it('reports a lease taken by another worker as lost, and a claim once as a hand-over', async () => {
    const store = new MemoryLeaseStore();
    const leases = coordinator(store);
    await leases.balance(['s1', 's2']);
    store.leases.set('s1', { ...store.leases.get('s1')!, owner: 'thief', counter: 9 });
    store.leases.set('s2', { ...store.leases.get('s2')!, claimant: 'other' });

    expect(await leases.renew()).toEqual(expect.arrayContaining([{ shardId: 's1', kind: 'lost' }, { shardId: 's2', kind: 'handoff' }]));
    expect(leases.heldShardIds).toEqual(new Set(['s2']));
    expect(await leases.renew()).toEqual([]);
  });

  it('gives a lease up as lost when it could not be renewed for a whole lease duration', async () => {
    const store = new MemoryLeaseStore();
    const clock = { now: 0 };
    const leases = coordinator(store, clock);
    await leases.balance(['s1']);
    store.failRenewals = true;
    clock.now = 900;
    expect(await leases.renew()).toEqual([]);
    clock.now = 1_100;
    expect(await leases.renew()).toEqual([{ shardId: 's1', kind: 'lost' }]);
    expect(leases.heldShardIds.size).toBe(0);
  });

  it('releases (or forgets) a held lease so others may take it at once', async () => {
    const store = new MemoryLeaseStore();
    const leases = coordinator(store);
    await leases.balance(['s1', 's2']);
    await leases.release('s1');
    await leases.release('s2', { forget: true });
    expect(store.leases.get('s1')).toMatchObject({ owner: '' });
    expect(store.leases.has('s2')).toBe(false);
    expect(leases.heldShardIds.size).toBe(0);
  });

  it('leaves a newer lease on a shard alone when the consumer of an older one releases or drops late', async () => {
    const store = new MemoryLeaseStore();
    const leases = coordinator(store);
    const [first] = await leases.balance(['s1']);
    leases.drop('s1', first!.counter);
    store.leases.set('s1', { ...store.leases.get('s1')!, owner: '', expiresAtMs: 0 });
    const [second] = await leases.balance(['s1']);
    expect(second!.counter).toBeGreaterThan(first!.counter);

    await leases.release('s1', { counter: first!.counter });
    leases.drop('s1', first!.counter);
    expect(leases.leaseOf('s1')).toEqual(second);
    expect(store.leases.get('s1')!.owner).toBe('me');

    await leases.release('s1', { counter: second!.counter });
    expect(leases.leaseOf('s1')).toBeUndefined();
    expect(store.leases.get('s1')!.owner).toBe('');
  });
});
