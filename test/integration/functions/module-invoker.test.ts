import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ModuleInvoker } from '../../../src/functions/module-invoker.js';
import type { FunctionDefinition } from '../../../src/functions/function-definition.js';
import type { InvokeOutcome } from '../../../src/functions/invoker.js';
import { captureLogger, handlerDefinition } from './invoker-fixture.js';
import { waitFor } from '../../harness/wait-for.js';

const REGION = 'eu-west-1';
const invokers: ModuleInvoker[] = [];

function invokerFor(definition: FunctionDefinition, logger = captureLogger().logger): ModuleInvoker {
  const invoker = new ModuleInvoker(definition, { logger, region: REGION });
  invokers.push(invoker);
  return invoker;
}

function errorPayload(outcome: InvokeOutcome): Record<string, unknown> {
  if (outcome.kind !== 'function_error' && outcome.kind !== 'timed_out') throw new Error(`expected a function error, got ${outcome.kind}`);
  return JSON.parse(outcome.payload) as Record<string, unknown>;
}

afterEach(async () => {
  await Promise.all(invokers.splice(0).map((invoker) => invoker.close()));
});

describe('ModuleInvoker: results', () => {
  it('returns the handler result as JSON, with the request id given and $LATEST', async () => {
    const invoker = invokerFor(handlerDefinition('echo.mjs'));
    const requestId = randomUUID();
    const outcome = await invoker.invoke('{"Records":[{"n":1}]}', { requestId });
    expect(outcome).toMatchObject({ kind: 'success', requestId, executedVersion: '$LATEST' });
    expect(outcome.kind === 'success' && JSON.parse(outcome.payload)).toEqual({ Records: [{ n: 1 }] });
    expect(outcome.durationMs).toBeGreaterThan(0);
  });

  it('returns null for a handler that returns undefined', async () => {
    const outcome = await invokerFor(handlerDefinition('noop.mjs')).invoke('{}');
    expect(outcome).toMatchObject({ kind: 'success', payload: 'null' });
  });

  it('runs a CommonJS handler', async () => {
    const outcome = await invokerFor(handlerDefinition('cjs-handler.cjs')).invoke('{"x":2}');
    expect(outcome.kind === 'success' && JSON.parse(outcome.payload)).toEqual({ cjs: true, event: { x: 2 } });
  });

  it('runs a callback-style handler, for its result and for its error', async () => {
    const ok = await invokerFor(handlerDefinition('callback.mjs')).invoke('{"y":3}');
    expect(ok.kind === 'success' && JSON.parse(ok.payload)).toEqual({ callback: true, event: { y: 3 } });
    const failed = await invokerFor(handlerDefinition('callback.mjs', { exportName: 'fails' })).invoke('{}');
    expect(failed).toMatchObject({ kind: 'function_error', errorType: 'CallbackError', errorMessage: 'callback failure' });
  });

  it('gives the handler the Lambda context and environment', async () => {
    const definition = handlerDefinition('context.mjs', { memorySizeMb: 256, timeoutSeconds: 5 });
    const requestId = randomUUID();
    const outcome = await invokerFor(definition).invoke('{}', { requestId });
    expect(outcome.kind).toBe('success');
    const context = JSON.parse((outcome as { payload: string }).payload) as Record<string, unknown>;
    expect(context).toMatchObject({
      awsRequestId: requestId,
      functionName: definition.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${REGION}:000000000000:function:${definition.name}`,
      memoryLimitInMB: '256',
      logGroupName: `/aws/lambda/${definition.name}`,
      callbackWaitsForEmptyEventLoop: true,
      env: { AWS_LAMBDA_FUNCTION_NAME: definition.name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256', AWS_REGION: REGION },
    });
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(context.remainingTimeInMillis).toBeGreaterThan(0);
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(5_000);
  });

  it('reuses a warm environment for the next invocation', async () => {
    const invoker = invokerFor(handlerDefinition('context.mjs'));
    const first = await invoker.invoke('{}');
    const second = await invoker.invoke('{}');
    const streamOf = (outcome: InvokeOutcome) => (JSON.parse((outcome as { payload: string }).payload) as { logStreamName: string }).logStreamName;
    expect(streamOf(second)).toBe(streamOf(first));
    expect(invoker.environmentCount).toBe(1);
  });

  it('fails a result over the 6 MB response limit with Function.ResponseSizeTooLarge', async () => {
    const outcome = await invokerFor(handlerDefinition('echo.mjs')).invoke(JSON.stringify({ data: 'x'.repeat(6_300_000) }));
    expect(outcome).toMatchObject({ kind: 'function_error', errorType: 'Function.ResponseSizeTooLarge' });
  });

  it('refuses an event that is not JSON without running the handler', async () => {
    const outcome = await invokerFor(handlerDefinition('echo.mjs')).invoke('{not json');
    expect(outcome.kind).toBe('invoke_error');
    expect(outcome.kind === 'invoke_error' && outcome.error.name).toBe('InvalidRequestContentError');
  });
});

describe('ModuleInvoker: handler errors', () => {
  it('turns a thrown Error into the Node.js runtime error object', async () => {
    const outcome = await invokerFor(handlerDefinition('throw.mjs')).invoke('{"message":"bad record"}');
    expect(outcome).toMatchObject({ kind: 'function_error', errorType: 'CustomError', errorMessage: 'bad record' });
    const payload = errorPayload(outcome);
    expect(payload.errorType).toBe('CustomError');
    expect(payload.errorMessage).toBe('bad record');
    expect((payload.trace as string[])[0]).toBe('CustomError: bad record');
    expect((payload.trace as string[]).some((line) => line.includes('throw.mjs'))).toBe(true);
  });

  it('turns a thrown string and a rejected promise into error objects too, and keeps the environment', async () => {
    const strings = invokerFor(handlerDefinition('throw.mjs', { exportName: 'throwString' }));
    const thrown = await strings.invoke('{}');
    expect(thrown).toMatchObject({ kind: 'function_error', errorType: 'string', errorMessage: 'plain string failure' });
    expect(errorPayload(thrown).trace).toEqual([]);
    await strings.invoke('{}');
    expect(strings.environmentCount).toBe(1);
    const rejected = await invokerFor(handlerDefinition('throw.mjs', { exportName: 'reject' })).invoke('{}');
    expect(rejected).toMatchObject({ kind: 'function_error', errorType: 'TypeError', errorMessage: 'rejected on purpose' });
  });

  it('reports a missing export as Runtime.HandlerNotFound', async () => {
    const outcome = await invokerFor(handlerDefinition('echo.mjs', { exportName: 'nope' })).invoke('{}');
    expect(outcome).toMatchObject({ kind: 'function_error', errorType: 'Runtime.HandlerNotFound', errorMessage: 'echo.nope is undefined or not exported' });
  });

  it('reports a module that cannot be found or parsed as Runtime.ImportModuleError / Runtime.UserCodeSyntaxError', async () => {
    const missing = await invokerFor(handlerDefinition('does-not-exist.mjs')).invoke('{}');
    expect(missing).toMatchObject({ kind: 'function_error', errorType: 'Runtime.ImportModuleError' });
    expect(missing.kind === 'function_error' && missing.errorMessage).toMatch(/^Error: Cannot find module .*does-not-exist\.mjs/);
    const broken = await invokerFor(handlerDefinition('syntax-error.mjs')).invoke('{}');
    expect(broken).toMatchObject({ kind: 'function_error', errorType: 'Runtime.UserCodeSyntaxError' });
    expect(broken.kind === 'function_error' && broken.errorMessage).toMatch(/^SyntaxError: /);
  });
});

describe('ModuleInvoker: logs and shutdown', () => {
  it('re-emits handler console output and raw writes as function_log events with the request id', async () => {
    const { logger, lines } = captureLogger();
    const definition = handlerDefinition('log.mjs');
    const invoker = invokerFor(definition, logger);
    const requestId = randomUUID();
    const outcome = await invoker.invoke('{"n":7}', { requestId });
    expect(outcome.kind).toBe('success');
    const logs = await waitFor(() => {
      const found = lines().filter((line) => line.msg === 'function_log');
      return found.length >= 4 ? found : undefined;
    });
    expect(logs.map((line) => line.text)).toEqual(
      expect.arrayContaining(['hello from the handler { n: 7 }', 'an error line', 'raw stdout line', 'raw stderr line']),
    );
    for (const line of logs) {
      expect(line).toMatchObject({ level: 30, functionName: definition.name, requestId });
    }
  });

  it('lets an invocation in flight finish on close, then refuses new ones', async () => {
    const invoker = invokerFor(handlerDefinition('slow.mjs'));
    const running = invoker.invoke('{"delayMs":300}');
    await waitFor(() => invoker.environmentCount === 1);
    await invoker.close();
    expect((await running).kind).toBe('success');
    expect(invoker.environmentCount).toBe(0);
    const refused = await invoker.invoke('{}');
    expect(refused.kind === 'invoke_error' && refused.error.name).toBe('InvokerClosedError');
    expect(await invoker.close()).toBeUndefined();
  });
});
