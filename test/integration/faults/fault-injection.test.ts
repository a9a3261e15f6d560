import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { startService, type RunningService } from '../../harness/service-process.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

const servers = inject('servers');
const decode = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));

/** Two replicas sharing one Redis prefix: faults set through one apply to the other's invocations. */
describe('fault injection', () => {
  let first: RunningService;
  let second: RunningService;
  let lambda: LambdaClient;
  let lambdaOfSecond: LambdaClient;

  beforeAll(async () => {
    const config = [
      'redis:',
      `  keyPrefix: ${uniqueName('faults')}`,
      'functions:',
      `  echo: { handler: "${fixtureHandler('echo.mjs')}", timeout: 1 }`,
      `  flaky:`,
      `    handler: "${fixtureHandler('echo.mjs')}"`,
      `    faults: { throttleRate: 1, count: 1 }`,
    ].join('\n');
    first = await startService({ servers, config });
    second = await startService({ servers, config });
    const client = (url: string) => new LambdaClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    lambda = client(first.url);
    lambdaOfSecond = client(second.url);
  });

  afterAll(async () => {
    lambda?.destroy();
    lambdaOfSecond?.destroy();
    await Promise.all([first?.stop(), second?.stop()]);
  });

  const faultsUrl = (url: string, name: string) => `${url}/_esm/functions/${name}/faults`;
  const put = (name: string, body: unknown, url = first.url) =>
    fetch(faultsUrl(url, name), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const invoke = (client: LambdaClient, name = 'echo') => client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"n":1}') }));

  it('refuses a body that is not valid with a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ errorRate: 2 }, 'faults.errorRate: 2 must be a number from 0 to 1'],
      [{ errorRate: 0.5, count: 2, until: '2999-01-01T00:00:00Z' }, 'count and until are exclusive'],
      [{}, 'injects nothing'],
    ];
    for (const [body, message] of cases) {
      const response = await put('echo', body);
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('InvalidParameterValueException');
      expect((await response.json()).message).toContain(message);
    }
    const unknown = await put('echo', { errorRate: 1, sometimes: true });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).message).toContain('Unrecognized field "sometimes"');
    expect((await put('nobody', { errorRate: 1 })).status).toBe(404);
  });

  it('makes the function fail as Lambda reports a function error, for `count` invocations fleet-wide', async () => {
    const set = await put('echo', { errorRate: 1, count: 2 });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ FunctionName: 'echo', Faults: { errorRate: 1, throttleRate: 0, timeoutRate: 0, latencyMs: 0, count: 2, remaining: 2 } });

    const failed = await invoke(lambda);
    expect(failed.StatusCode).toBe(200);
    expect(failed.FunctionError).toBe('Unhandled');
    expect(decode(failed.Payload)).toMatchObject({ errorType: 'InjectedFault' });
    expect(await (await fetch(faultsUrl(second.url, 'echo'))).json()).toMatchObject({ Faults: { count: 2, remaining: 1 } });

    // The second replica follows the fleet's faults within its refresh interval; the count is shared.
    const onSecond = await waitFor(async () => {
      const response = await invoke(lambdaOfSecond);
      return response.FunctionError ? response : undefined;
    });
    expect(decode(onSecond.Payload).errorType).toBe('InjectedFault');
    const after = await invoke(lambda);
    expect(after.FunctionError).toBeUndefined();
    expect(decode(after.Payload)).toEqual({ n: 1 });
    expect(await (await fetch(faultsUrl(first.url, 'echo'))).json()).toEqual({ FunctionName: 'echo', Faults: null });
  });

  it('throttles with TooManyRequestsException, and the configuration file sets faults at start', async () => {
    // `flaky` starts with { throttleRate: 1, count: 1 } from the file: its first invocation is throttled.
    await expect(invoke(lambda, 'flaky')).rejects.toBeInstanceOf(TooManyRequestsException);
    expect(decode((await invoke(lambda, 'flaky')).Payload)).toEqual({ n: 1 });
  });

  it('times out after the function timeout, slows down, shows faults in /readyz, and DELETE clears them', async () => {
    expect((await put('echo', { timeoutRate: 1 })).status).toBe(200);
    const started = Date.now();
    const timedOut = await invoke(lambda);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(timedOut.FunctionError).toBe('Unhandled');
    expect(decode(timedOut.Payload)).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/Task timed out after 1\.00 seconds/) });

    expect((await put('echo', { latencyMs: 300, until: new Date(Date.now() + 60_000).toISOString() })).status).toBe(200);
    const slowStart = Date.now();
    expect(decode((await invoke(lambda)).Payload)).toEqual({ n: 1 });
    expect(Date.now() - slowStart).toBeGreaterThanOrEqual(300);
    const ready = await (await fetch(`${first.url}/readyz`)).json();
    expect(ready.faults).toEqual({ echo: expect.objectContaining({ latencyMs: 300 }) });

    const cleared = await fetch(faultsUrl(second.url, 'echo'), { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ FunctionName: 'echo', Faults: null });
    await waitFor(async () => Object.keys((await (await fetch(`${first.url}/readyz`)).json()).faults).length === 0, { message: 'faults cleared on the other replica' });
  });
});
