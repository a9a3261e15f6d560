import { describe, expect, it } from 'vitest';
import {
  LONG_POLL_WAIT_SECONDS,
  PARKED_POLL_VISIBILITY_SECONDS,
  SHORT_POLL_WAIT_SECONDS,
  effectiveVisibilityTimeoutSeconds,
  invokeVisibilitySeconds,
  needsVisibilityForInvoke,
  planReceive,
} from '../../../../pollers/sqs/sqs-visibility.js';

describe('effectiveVisibilityTimeoutSeconds', () => {
  it("is the queue's own when window + function timeout fit in it", () => {
    expect(effectiveVisibilityTimeoutSeconds(30, 0, 3)).toBe(30);
    expect(effectiveVisibilityTimeoutSeconds(30, 27, 3)).toBe(30);
    expect(effectiveVisibilityTimeoutSeconds(2, 0, 2)).toBe(2);
  });

  it('is window + function timeout + 30 s when they exceed it (AWS rule)', () => {
    expect(effectiveVisibilityTimeoutSeconds(30, 28, 3)).toBe(61);
    expect(effectiveVisibilityTimeoutSeconds(10, 300, 900)).toBe(1_230);
  });
});

describe('planReceive', () => {
  const effective = 30;

  it('long-polls 20 s with a short visibility timeout while holding nothing on an idle queue', () => {
    expect(planReceive({ holdingMessages: false, queueLooksIdle: true, windowRemainingMs: 0, effectiveVisibilitySeconds: effective })).toEqual({
      waitTimeSeconds: LONG_POLL_WAIT_SECONDS,
      visibilityTimeoutSeconds: PARKED_POLL_VISIBILITY_SECONDS,
    });
    expect(planReceive({ holdingMessages: false, queueLooksIdle: true, windowRemainingMs: 0, effectiveVisibilitySeconds: 2 }).visibilityTimeoutSeconds).toBe(2);
  });

  it('polls briefly with the effective visibility when the queue is busy', () => {
    expect(planReceive({ holdingMessages: false, queueLooksIdle: false, windowRemainingMs: 0, effectiveVisibilitySeconds: effective })).toEqual({
      waitTimeSeconds: SHORT_POLL_WAIT_SECONDS,
      visibilityTimeoutSeconds: effective,
    });
  });

  it('never waits past the batching window while collecting', () => {
    expect(planReceive({ holdingMessages: true, queueLooksIdle: true, windowRemainingMs: 5_000, effectiveVisibilitySeconds: effective })).toEqual({
      waitTimeSeconds: SHORT_POLL_WAIT_SECONDS,
      visibilityTimeoutSeconds: effective,
    });
    expect(planReceive({ holdingMessages: true, queueLooksIdle: false, windowRemainingMs: 400, effectiveVisibilitySeconds: effective }).waitTimeSeconds).toBe(0);
  });
});

describe('needsVisibilityForInvoke', () => {
  it('is true when the message could reappear while the function runs', () => {
    expect(needsVisibilityForInvoke(10_000, 0, 3)).toBe(false);
    expect(needsVisibilityForInvoke(2_500, 0, 3)).toBe(false);
    expect(needsVisibilityForInvoke(1_900, 0, 3)).toBe(true);
    expect(needsVisibilityForInvoke(-5, 0, 1)).toBe(true);
  });

  it('tolerates a visibility timeout equal to the function timeout', () => {
    expect(needsVisibilityForInvoke(990, 0, 1)).toBe(false);
  });

  it('counts a cold start before the timeout', () => {
    expect(needsVisibilityForInvoke(2_500, 0, 3, 0)).toBe(false);
    expect(needsVisibilityForInvoke(2_500, 0, 3, 10_000)).toBe(true);
    expect(needsVisibilityForInvoke(12_500, 0, 3, 10_000)).toBe(false);
  });
});

describe('invokeVisibilitySeconds', () => {
  it('is the effective visibility unless a cold start and the timeout need more, capped at 12 hours', () => {
    expect(invokeVisibilitySeconds(30, 3, 0)).toBe(30);
    expect(invokeVisibilitySeconds(30, 25, 10_000)).toBe(35);
    expect(invokeVisibilitySeconds(30, 25, 9_001)).toBe(35);
    expect(invokeVisibilitySeconds(43_200, 900, 10_000)).toBe(43_200);
  });
});
