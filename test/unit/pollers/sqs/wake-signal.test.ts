import { describe, expect, it } from 'vitest';
import { WakeSignal } from '../../../../pollers/sqs/wake-signal.js';

describe('WakeSignal', () => {
  it('wakes every waiter on notify', async () => {
    const wake = new WakeSignal();
    const signal = new AbortController().signal;
    const started = Date.now();
    const waits = [wake.wait(signal, 10_000), wake.wait(signal, 10_000)];
    wake.notify();
    await Promise.all(waits);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('resolves after the timeout without a notify', async () => {
    const wake = new WakeSignal();
    const started = Date.now();
    await wake.wait(new AbortController().signal, 30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('resolves at once when the signal aborts, or is already aborted', async () => {
    const wake = new WakeSignal();
    const controller = new AbortController();
    const started = Date.now();
    const waiting = wake.wait(controller.signal, 10_000);
    controller.abort();
    await waiting;
    await wake.wait(controller.signal, 10_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
