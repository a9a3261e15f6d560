import { describe, expect, it } from 'vitest';
import { planBalance, type BalanceInput } from '../../../src/leases/lease-balancer.js';
import type { Lease } from '../../../src/leases/lease.js';

const NOW = 1_000_000;
const held = (shardId: string, owner: string, extra: Partial<Lease> = {}): Lease => ({ shardId, owner, counter: 1, expiresAtMs: NOW + 5_000, ...extra });

function input(overrides: Partial<BalanceInput>): BalanceInput {
  return { workerId: 'me', nowMs: NOW, leases: [], eligibleShardIds: [], liveWorkers: 1, heldShardIds: new Set(), ...overrides };
}

describe('planBalance', () => {
  it('takes every free shard when alone', () => {
    const plan = planBalance(input({ eligibleShardIds: ['s1', 's2', 's3'] }));
    expect(plan).toEqual({ target: 3, take: ['s1', 's2', 's3'] });
  });

  it('takes released and expired leases but not live ones of others', () => {
    const plan = planBalance(
      input({
        eligibleShardIds: ['s1', 's2', 's3'],
        liveWorkers: 1,
        leases: [held('s1', ''), held('s2', 'other', { expiresAtMs: NOW - 1 }), held('s3', 'other')],
      }),
    );
    expect(plan.take).toEqual(['s1', 's2']);
  });

  it('aims at the fair share and stops there', () => {
    const plan = planBalance(input({ eligibleShardIds: ['s1', 's2', 's3', 's4'], liveWorkers: 2 }));
    expect(plan.target).toBe(2);
    expect(plan.take).toHaveLength(2);
    expect(plan.claim).toBeUndefined();
  });

  it('claims one lease from the most loaded worker when free ones do not reach the fair share', () => {
    const plan = planBalance(
      input({
        eligibleShardIds: ['s1', 's2', 's3', 's4'],
        liveWorkers: 2,
        leases: [held('s1', 'a'), held('s2', 'a'), held('s3', 'a'), held('s4', 'b')],
      }),
    );
    expect(plan.take).toEqual([]);
    expect(plan.claim).toEqual({ shardId: 's1', owner: 'a', counter: 1 });
  });

  it('renews its own pending claim instead of claiming a second lease', () => {
    const plan = planBalance(
      input({
        eligibleShardIds: ['s1', 's2', 's3', 's4'],
        liveWorkers: 2,
        leases: [held('s1', 'a'), held('s2', 'a'), held('s3', 'a', { claimant: 'me' }), held('s4', 'b')],
      }),
    );
    expect(plan.claim).toEqual({ shardId: 's3', owner: 'a', counter: 1 });
  });

  it('does not claim when the others hold no more than the fair share (3 shards, 2 workers: 2 + 1)', () => {
    const plan = planBalance(
      input({ eligibleShardIds: ['s1', 's2', 's3'], liveWorkers: 2, heldShardIds: new Set(['s3']), leases: [held('s1', 'a'), held('s2', 'a'), held('s3', 'me')] }),
    );
    expect(plan).toEqual({ target: 2, take: [] });
  });

  it('takes a released lease it claimed before a free one, and leaves those claimed by others', () => {
    const plan = planBalance(
      input({
        eligibleShardIds: ['s1', 's2', 's3'],
        liveWorkers: 2,
        leases: [held('s1', ''), held('s2', '', { claimant: 'me' }), held('s3', '', { claimant: 'c' })],
      }),
    );
    expect(plan.take).toEqual(['s2', 's1']);
  });

  it('ignores shards that are not eligible (parents not finished)', () => {
    const plan = planBalance(input({ eligibleShardIds: ['s1'], leases: [held('s9', 'a'), held('s8', 'a')] }));
    expect(plan).toEqual({ target: 1, take: ['s1'] });
  });
});
