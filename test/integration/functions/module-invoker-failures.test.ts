import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ModuleInvoker } from '../../../src/functions/module-invoker.js';
import type { FunctionDefinition } from '../../../src/functions/function-definition.js';
import { captureLogger, handlerDefinition } from './invoker-fixture.js';
import { waitFor } from '../../harness/wait-for.js';

const invokers: ModuleInvoker[] = [];

function invokerFor(definition: FunctionDefinition): ModuleInvoker {
  const invoker = new ModuleInvoker(definition, { logger: captureLogger().logger, region: 'us-east-1' });
  invokers.push(invoker);
  return invoker;
}

afterEach(async () => {
  await Promise.all(invokers.splice(0).map((invoker) => invoker.close()));
});

describe('ModuleInvoker: timeouts and crashes replace the environment', () => {
  it('times out a slow handler with Lambda words, then serves the next invocation', async () => {
    const invoker = invokerFor(handlerDefinition('slow.mjs', { timeoutSeconds: 1 }));
    const requestId = randomUUID();
    const outcome = await invoker.invoke('{"delayMs":5000}', { requestId });
    expect(outcome).toMatchObject({
      kind: 'timed_out',
      requestId,
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after 1.00 seconds`,
    });
    expect(outcome.kind === 'timed_out' && JSON.parse(outcome.payload)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after 1.00 seconds`,
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1_000);
    const next = await invoker.invoke('{"delayMs":1}');
    expect(next.kind).toBe('success');
  });

  it('stops a handler that never yields (busy loop) at its timeout', async () => {
    const invoker = invokerFor(handlerDefinition('spin.mjs', { timeoutSeconds: 1 }));
    const outcome = await invoker.invoke('{}');
    expect(outcome.kind).toBe('timed_out');
    await waitFor(() => invoker.environmentCount === 0, { message: 'the spinning worker was terminated' });
  });

  it('reports process.exit as Runtime.ExitError, then serves the next invocation', async () => {
    const invoker = invokerFor(handlerDefinition('exit.mjs'));
    const requestId = randomUUID();
    const outcome = await invoker.invoke('{"code":3}', { requestId });
    expect(outcome).toMatchObject({
      kind: 'function_error',
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status 3`,
    });
    const next = await invoker.invoke('{"exit":false}');
    expect(next).toMatchObject({ kind: 'success', payload: '{"exit":false}' });
  });

  it('reports an uncaught exception from a timer as the invocation error, then serves the next invocation', async () => {
    const invoker = invokerFor(handlerDefinition('timer-throw.mjs'));
    const outcome = await invoker.invoke('{}');
    expect(outcome).toMatchObject({ kind: 'function_error', errorType: 'RangeError', errorMessage: 'thrown from a timer' });
    const next = await invoker.invoke('{"throw":false}');
    expect(next.kind).toBe('success');
  });

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection, then serves the next invocation', async () => {
    const invoker = invokerFor(handlerDefinition('throw.mjs', { exportName: 'unhandled' }));
    const outcome = await invoker.invoke('{}');
    expect(outcome).toMatchObject({ kind: 'function_error', errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'TypeError: nobody catches me' });
    await waitFor(() => invoker.environmentCount === 0, { message: 'the crashed environment is gone' });
    expect((await invoker.invoke('{}')).kind).toBe('function_error');
  });

  it('reports running out of memory as Runtime.OutOfMemory, then serves the next invocation', async () => {
    const invoker = invokerFor(handlerDefinition('oom.mjs', { memorySizeMb: 128, timeoutSeconds: 30 }));
    const requestId = randomUUID();
    const outcome = await invoker.invoke('{}', { requestId });
    expect(outcome).toMatchObject({
      kind: 'function_error',
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
    });
    const next = await invoker.invoke('{"oom":false}');
    expect(next.kind).toBe('success');
  });
});
