import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, startEsmPoller, type StartEsmPollerOptions } from '../../../src/testing/index.js';
import { fixtureHandler } from '../../harness/fixtures.js';

const servers = inject('servers');

describe('startEsmPoller', () => {
  const redis = new Redis(servers.redisUrl);

  afterAll(() => {
    redis.disconnect();
  });

  it('starts the service in-process, serves the API and removes a throwaway prefix at stop', async () => {
    const poller = await startEsmPoller({ redisUrl: servers.redisUrl, config: { functions: { echo: { handler: fixtureHandler('echo.mjs') } } } });
    expect(poller.keyPrefix).toMatch(/^esm-test-[0-9a-f-]{36}$/);
    expect(await poller.faults('echo').set({ errorRate: 1 })).toMatchObject({ errorRate: 1 });
    expect((await fetch(`${poller.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{}' })).headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await poller.waitIdle()).toMatchObject({ idle: true, mappings: [] });
    expect(await poller.journal()).toEqual([]);
    expect((await redis.keys(`${poller.keyPrefix}:*`)).length).toBeGreaterThan(0);
    await poller.stop();
    await poller.stop();
    expect(await redis.keys(`${poller.keyPrefix}:*`)).toEqual([]);
  });

  it('reports configuration problems as the file would, and refuses options it does not know', async () => {
    const bad = startEsmPoller({ redisUrl: servers.redisUrl, config: { functions: { f: { handler: './missing.mjs', timeout: 0 } } } });
    await expect(bad).rejects.toBeInstanceOf(ConfigError);
    await expect(bad).rejects.toThrow(/functions\.f\.handler: '\.\/missing\.mjs' resolves to .*, which does not exist/);
    const template = { config: {}, template: 'template.yaml' } as unknown as StartEsmPollerOptions;
    await expect(startEsmPoller(template)).rejects.toThrow("startEsmPoller: option 'template' is not supported");
  });
});
