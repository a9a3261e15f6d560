import { describe, expect, it } from 'vitest';
import { SqsAdmission } from '../../../../pollers/sqs/sqs-admission.js';

const settledWithin = async (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe('SqsAdmission', () => {
  it('hands out no more slots than the function has free, counting slots not used yet', async () => {
    const fn = { freeConcurrency: 2 };
    const admission = new SqsAdmission(fn, false, new AbortController().signal);
    const first = await admission.acquireSlot();
    const second = await admission.acquireSlot();
    expect(first?.held && second?.held).toBe(true);
    const third = admission.acquireSlot();
    expect(await settledWithin(third, 150)).toBe(false);
    admission.releaseSlot(first!);
    admission.releaseSlot(first!);
    expect((await third)?.held).toBe(true);
  });

  it('waits while other callers use the function up, and sees a slot freed by an ended invocation', async () => {
    const fn = { freeConcurrency: 0 };
    const admission = new SqsAdmission(fn, false, new AbortController().signal);
    const waiting = admission.acquireSlot();
    expect(await settledWithin(waiting, 150)).toBe(false);
    fn.freeConcurrency = 1;
    admission.invocationEnded();
    expect((await waiting)?.held).toBe(true);
  });

  it('lets one poller collect at a time with a window until a batch closes by size', async () => {
    const admission = new SqsAdmission({ freeConcurrency: Infinity }, true, new AbortController().signal);
    expect(await admission.beginCollection(false)).toBe(true);
    const second = admission.beginCollection(false);
    expect(await settledWithin(second, 150)).toBe(false);
    expect(await admission.beginCollection(true)).toBe(true);
    admission.endCollection('size');
    expect(await second).toBe(true);
    // Backlog: everyone collects.
    expect(await admission.beginCollection(false)).toBe(true);
    admission.endCollection('window');
    admission.endCollection('window');
    admission.endCollection('window');
    expect(await admission.beginCollection(false)).toBe(true);
    expect(await settledWithin(admission.beginCollection(false), 150)).toBe(false);
  });

  it('lets every poller collect at once without a window', async () => {
    const admission = new SqsAdmission({ freeConcurrency: Infinity }, false, new AbortController().signal);
    expect(await admission.beginCollection(false)).toBe(true);
    expect(await admission.beginCollection(false)).toBe(true);
  });

  it('ends every wait when stopping', async () => {
    const controller = new AbortController();
    const admission = new SqsAdmission({ freeConcurrency: 0 }, true, controller.signal);
    await admission.beginCollection(false);
    const slot = admission.acquireSlot();
    const turn = admission.beginCollection(false);
    controller.abort();
    expect(await slot).toBeUndefined();
    expect(await turn).toBe(false);
  });
});
