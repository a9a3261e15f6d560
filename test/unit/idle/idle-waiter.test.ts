import { describe, expect, it } from 'vitest';
import { ActivityRegistry, type PendingWork } from '../../../src/idle/activity-registry.js';
import { IdleWaiter, type CoveredMapping } from '../../../src/idle/idle-waiter.js';

const mapping = (uuid: string, functionName: string, polled = true): CoveredMapping => ({
  UUID: uuid,
  FunctionName: functionName,
  EventSourceArn: `arn:aws:sqs:us-east-1:000000000000:${uuid}`,
  State: polled ? 'Enabled' : 'Disabled',
  LastProcessingResult: 'No records processed',
  polled,
});

describe('IdleWaiter', () => {
  it('waits until every covered mapping reports nothing pending', async () => {
    const activity = new ActivityRegistry();
    let pending: PendingWork[] = [{ shardId: 's1', reason: 'busy' }];
    activity.register('m1', { pending: async () => pending });
    activity.register('m2', { pending: async () => [{ reason: 'never idle' }] });
    const waiter = new IdleWaiter({ mappings: () => [mapping('m1', 'a'), mapping('m2', 'b')], activity, pendingDeliveries: async () => 0 });
    setTimeout(() => (pending = []), 150);
    const answer = await waiter.waitIdle({ functionName: 'a', timeoutMs: 5_000 }, new AbortController().signal);
    expect(answer).toMatchObject({ idle: true, mappings: [{ UUID: 'm1', pending: [] }] });
    expect(answer.waitedMs).toBeGreaterThanOrEqual(100);
  });

  it('answers what is pending when the timeout passes: work, unstarted pollers and deliveries', async () => {
    const activity = new ActivityRegistry();
    activity.register('m1', { pending: async () => [{ shardId: 's1', reason: 'busy' }] });
    const waiter = new IdleWaiter({
      mappings: () => [mapping('m1', 'a'), mapping('m2', 'b'), mapping('m3', 'c', false)],
      activity,
      pendingDeliveries: async () => 2,
    });
    const answer = await waiter.waitIdle({ timeoutMs: 0 }, new AbortController().signal);
    expect(answer.idle).toBe(false);
    expect(answer.pendingDeliveries).toBe(2);
    expect(answer.mappings.map((entry) => [entry.UUID, entry.pending])).toEqual([
      ['m1', [{ shardId: 's1', reason: 'busy' }]],
      ['m2', [{ reason: 'not polling on this replica (State Enabled, LastProcessingResult: No records processed)' }]],
    ]);
  });

  it('lets a stopped poller remove only its own probe', () => {
    const activity = new ActivityRegistry();
    const first = { pending: async () => [] };
    const second = { pending: async () => [] };
    const removeFirst = activity.register('m1', first);
    activity.register('m1', second);
    removeFirst();
    expect(activity.probeOf('m1')).toBe(second);
  });
});
