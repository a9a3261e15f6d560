import { describe, expect, it } from 'vitest';
import { DEFAULT_MAXIMUM_CONCURRENCY, INITIAL_CONCURRENCY, MIN_CONCURRENCY, SCALE_UP_STEP, SqsScaler } from '../../../../pollers/sqs/sqs-scaler.js';

function backlogInterval(scaler: SqsScaler): void {
  scaler.recordReceive(10, 10);
  scaler.recordReceive(10, 10);
  scaler.recordInvocation('success');
}

describe('SqsScaler', () => {
  it('starts with 5 pollers, never above MaximumConcurrency or reserved concurrency', () => {
    expect(new SqsScaler({ reportsBatchItemFailures: false }).target).toBe(INITIAL_CONCURRENCY);
    expect(new SqsScaler({ maximumConcurrency: 2, reportsBatchItemFailures: false }).target).toBe(2);
    expect(new SqsScaler({ reservedConcurrency: 1, reportsBatchItemFailures: false }).target).toBe(1);
    expect(new SqsScaler({ reservedConcurrency: 0, reportsBatchItemFailures: false }).target).toBe(0);
    expect(new SqsScaler({ reportsBatchItemFailures: false }).ceiling).toBe(DEFAULT_MAXIMUM_CONCURRENCY);
    expect(new SqsScaler({ maximumConcurrency: 50, reservedConcurrency: 20, reportsBatchItemFailures: false }).ceiling).toBe(20);
  });

  it('adds pollers while receives come back full and the function keeps up, up to the ceiling', () => {
    const scaler = new SqsScaler({ maximumConcurrency: 13, reportsBatchItemFailures: false });
    backlogInterval(scaler);
    expect(scaler.adjust()).toEqual({ from: 5, to: 5 + SCALE_UP_STEP, reason: 'backlog' });
    backlogInterval(scaler);
    expect(scaler.adjust()).toEqual({ from: 10, to: 13, reason: 'backlog' });
    backlogInterval(scaler);
    expect(scaler.adjust().to).toBe(13);
  });

  it('does not count a receive that filled up while it long-polled as backlog (a trickle, small BatchSize)', () => {
    const scaler = new SqsScaler({ reportsBatchItemFailures: false });
    scaler.recordReceive(1, 1, 4_000);
    scaler.recordReceive(1, 1, 2_500);
    scaler.recordInvocation('success');
    expect(scaler.adjust()).toEqual({ from: INITIAL_CONCURRENCY, to: INITIAL_CONCURRENCY, reason: 'steady' });
    scaler.recordReceive(1, 1, 3);
    scaler.recordInvocation('success');
    expect(scaler.adjust()).toEqual({ from: INITIAL_CONCURRENCY, to: INITIAL_CONCURRENCY + SCALE_UP_STEP, reason: 'backlog' });
  });

  it('does not scale up when some receive came back empty (the pollers keep up)', () => {
    const scaler = new SqsScaler({ reportsBatchItemFailures: false });
    scaler.recordReceive(10, 10);
    scaler.recordReceive(0, 10);
    expect(scaler.adjust()).toEqual({ from: 5, to: 5, reason: 'steady' });
  });

  it('returns toward 5 when idle', () => {
    const scaler = new SqsScaler({ reportsBatchItemFailures: false });
    for (let i = 0; i < 4; i += 1) {
      backlogInterval(scaler);
      scaler.adjust();
    }
    expect(scaler.target).toBe(25);
    scaler.recordReceive(0, 10);
    expect(scaler.adjust()).toEqual({ from: 25, to: 15, reason: 'idle' });
    for (let i = 0; i < 5; i += 1) {
      scaler.recordReceive(0, 10);
      scaler.adjust();
    }
    expect(scaler.target).toBe(INITIAL_CONCURRENCY);
    scaler.recordReceive(0, 10);
    expect(scaler.adjust()).toEqual({ from: 5, to: 5, reason: 'steady' });
  });

  it('halves on throttles and shrinks by a quarter on function errors, not below 2', () => {
    const scaler = new SqsScaler({ reportsBatchItemFailures: false });
    for (let i = 0; i < 3; i += 1) {
      backlogInterval(scaler);
      scaler.adjust();
    }
    expect(scaler.target).toBe(20);
    scaler.recordReceive(10, 10);
    scaler.recordInvocation('function_error');
    expect(scaler.adjust()).toEqual({ from: 20, to: 15, reason: 'function_errors' });
    scaler.recordInvocation('throttled');
    scaler.recordInvocation('timed_out');
    expect(scaler.adjust()).toEqual({ from: 15, to: 7, reason: 'throttled' });
    for (let i = 0; i < 5; i += 1) {
      scaler.recordInvocation('throttled');
      scaler.adjust();
    }
    expect(scaler.target).toBe(MIN_CONCURRENCY);
  });

  it('ignores function errors when partial batch responses are on, but not failed invokes or throttles', () => {
    const scaler = new SqsScaler({ reportsBatchItemFailures: true });
    scaler.recordInvocation('function_error');
    scaler.recordInvocation('timed_out');
    expect(scaler.adjust().reason).toBe('steady');
    scaler.recordInvocation('invoke_error');
    expect(scaler.adjust()).toEqual({ from: 5, to: 3, reason: 'function_errors' });
  });

  it('recovers toward 5 after errors once the queue is idle', () => {
    const scaler = new SqsScaler({ reportsBatchItemFailures: false });
    scaler.recordInvocation('throttled');
    scaler.adjust();
    expect(scaler.target).toBe(2);
    scaler.recordReceive(0, 10);
    expect(scaler.adjust()).toEqual({ from: 2, to: 5, reason: 'idle' });
  });

  it('counts each interval once', () => {
    const scaler = new SqsScaler({ reportsBatchItemFailures: false });
    backlogInterval(scaler);
    scaler.adjust();
    expect(scaler.adjust()).toEqual({ from: 10, to: 10, reason: 'steady' });
  });

  it('stays within a ceiling below 2 (reserved concurrency 1 or 0) whatever happens', () => {
    for (const reservedConcurrency of [0, 1]) {
      const scaler = new SqsScaler({ reservedConcurrency, maximumConcurrency: 2, reportsBatchItemFailures: false });
      const intervals: ((s: SqsScaler) => void)[] = [
        backlogInterval,
        (s) => s.recordReceive(0, 10),
        (s) => s.recordInvocation('throttled'),
        (s) => s.recordInvocation('function_error'),
        backlogInterval,
      ];
      for (const interval of intervals) {
        interval(scaler);
        const decision = scaler.adjust();
        expect(decision.to, `reserved ${reservedConcurrency}`).toBe(reservedConcurrency);
      }
    }
  });

  it('provisioned mode: starts at and never shrinks below its share of MinimumPollers, which follows the fleet', () => {
    const scaler = new SqsScaler({ maximumConcurrency: 40, minimumPollers: 10, reportsBatchItemFailures: false });
    expect(scaler.target).toBe(10);
    scaler.recordInvocation('throttled');
    expect(scaler.adjust()).toEqual({ from: 10, to: 10, reason: 'throttled' });
    backlogInterval(scaler);
    expect(scaler.adjust().to).toBe(10 + SCALE_UP_STEP);
    scaler.recordReceive(0, 10);
    expect(scaler.adjust()).toEqual({ from: 15, to: 12, reason: 'idle' });
    // A second replica joined: this one's share halves.
    scaler.setMinimum(5);
    scaler.recordReceive(0, 10);
    expect(scaler.adjust().to).toBe(8);
    // The fleet shrank to this replica alone: its share rises at once.
    scaler.setMinimum(20);
    expect(scaler.target).toBe(20);
    expect(new SqsScaler({ maximumConcurrency: 3, minimumPollers: 10, reportsBatchItemFailures: false }).target).toBe(3);
  });
});
