import { afterEach, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { ModuleInvoker } from '../../../src/functions/module-invoker.js';
import { captureLogger, handlerDefinition } from './invoker-fixture.js';
import { waitFor } from '../../harness/wait-for.js';

const invokers: ModuleInvoker[] = [];

afterEach(async () => {
  await Promise.all(invokers.splice(0).map((invoker) => invoker.close()));
});

describe('ModuleInvoker: execution environments', () => {
  it('runs N concurrent invocations on N environments at once', async () => {
    const invoker = new ModuleInvoker(handlerDefinition('context.mjs'), { logger: captureLogger().logger, region: 'us-east-1' });
    invokers.push(invoker);
    const slow = new ModuleInvoker(handlerDefinition('slow.mjs'), { logger: captureLogger().logger, region: 'us-east-1' });
    invokers.push(slow);
    const parallel = 4;
    const delayMs = 1_000;
    const started = performance.now();
    const outcomes = await Promise.all(Array.from({ length: parallel }, (_, i) => slow.invoke(JSON.stringify({ delayMs, i }))));
    const elapsed = performance.now() - started;
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(parallel).fill('success'));
    // One after the other they would need parallel × delayMs.
    expect(elapsed).toBeLessThan(parallel * delayMs - 500);
    expect(slow.environmentCount).toBe(parallel);

    const streams = await Promise.all(Array.from({ length: 3 }, () => invoker.invoke('{}')));
    const names = new Set(streams.map((outcome) => (JSON.parse((outcome as { payload: string }).payload) as { logStreamName: string }).logStreamName));
    expect(names.size).toBe(3);
  });

  it('reaps environments that stay idle', async () => {
    const invoker = new ModuleInvoker(handlerDefinition('echo.mjs'), { logger: captureLogger().logger, region: 'us-east-1', idleTimeoutMs: 200 });
    invokers.push(invoker);
    await Promise.all([invoker.invoke('{}'), invoker.invoke('{}')]);
    expect(invoker.environmentCount).toBe(2);
    await waitFor(() => invoker.environmentCount === 0, { timeoutMs: 5_000, message: 'idle environments reaped' });
    expect((await invoker.invoke('{"again":true}')).kind).toBe('success');
  });

  it('throttles invocations past its concurrency limit', async () => {
    const invoker = new ModuleInvoker(handlerDefinition('slow.mjs'), { logger: captureLogger().logger, region: 'us-east-1', maxConcurrency: 1 });
    invokers.push(invoker);
    const running = invoker.invoke('{"delayMs":300}');
    const throttled = await invoker.invoke('{}');
    expect(throttled).toMatchObject({ kind: 'throttled', reason: 'ConcurrentInvocationLimitExceeded' });
    expect((await running).kind).toBe('success');
  });
});
