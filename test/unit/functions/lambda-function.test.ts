import { describe, expect, it } from 'vitest';
import type { Invoker } from '../../../src/functions/invoker.js';
import { LambdaFunction } from '../../../src/functions/lambda-function.js';
import { Metrics } from '../../../src/observability/metrics.js';

/** A function over an invoker that counts how often it was asked to prepare an environment. */
function functionWith(reservedConcurrency: number | undefined): { fn: LambdaFunction; prepared: () => number } {
  let prepared = 0;
  const invoker: Invoker = {
    invoke: () => Promise.reject(new Error('not invoked here')),
    close: () => Promise.resolve(),
    prepare: () => void (prepared += 1),
  };
  const fn = new LambdaFunction(
    { name: 'fn', target: { type: 'url', url: 'http://127.0.0.1:9/' }, timeoutSeconds: 3, memorySizeMb: 128, ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}) },
    'arn:aws:lambda:us-east-1:000000000000:function:fn',
    invoker,
    new Metrics({ collectProcessMetrics: false }),
  );
  return { fn, prepared: () => prepared };
}

describe('LambdaFunction.prepare', () => {
  it('lets the target prepare an environment when the function may run', () => {
    for (const reserved of [undefined, 1, 16]) {
      const { fn, prepared } = functionWith(reserved);
      fn.prepare();
      expect(prepared()).toBe(1);
    }
  });

  it('prepares nothing for a function whose reserved concurrency is 0 (it is throttled before it runs)', () => {
    const { fn, prepared } = functionWith(0);
    fn.prepare();
    expect(prepared()).toBe(0);
  });
});
