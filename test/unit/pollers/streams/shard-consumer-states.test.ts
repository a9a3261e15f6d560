import { describe, expect, it } from 'vitest';
import { SHARD_CONSUMER_TRANSITIONS, type ShardConsumerState } from '../../../../pollers/streams/shard-consumer.js';

const states = Object.keys(SHARD_CONSUMER_TRANSITIONS) as ShardConsumerState[];

function reachable(from: ShardConsumerState): Set<ShardConsumerState> {
  const seen = new Set<ShardConsumerState>();
  const stack = [from];
  while (stack.length > 0) {
    for (const next of SHARD_CONSUMER_TRANSITIONS[stack.pop()!]) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

describe('ShardConsumer state machine', () => {
  it('ends in DONE from every state, and DONE is terminal', () => {
    for (const state of states.filter((s) => s !== 'DONE')) expect(reachable(state).has('DONE')).toBe(true);
    expect(SHARD_CONSUMER_TRANSITIONS.DONE).toEqual([]);
  });

  it('can lose its lease in every state that still writes', () => {
    for (const state of ['INITIALIZING', 'PROCESSING', 'SHARD_ENDED', 'SHUTTING_DOWN'] as const) {
      expect(SHARD_CONSUMER_TRANSITIONS[state]).toContain('LEASE_LOST');
    }
    expect(SHARD_CONSUMER_TRANSITIONS.LEASE_LOST).toEqual(['DONE']);
  });

  it('never goes back to processing once an exit was decided', () => {
    for (const state of ['SHARD_ENDED', 'SHUTTING_DOWN', 'LEASE_LOST', 'DONE'] as const) {
      expect(reachable(state).has('PROCESSING')).toBe(false);
    }
  });
});
