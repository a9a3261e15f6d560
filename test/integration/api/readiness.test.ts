import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';

const servers = inject('servers');

describe('/readyz while Redis stops answering', () => {
  let redis: LocalServer;
  let service: RunningService;

  beforeAll(async () => {
    redis = await startRedisServer();
    service = await startService({
      servers,
      config: ['redis:', `  url: ${redis.url}`, `  keyPrefix: ${uniqueName('readyz')}`].join('\n'),
    });
  });

  afterAll(async () => {
    try {
      if (redis) process.kill(redis.process.pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
    await service?.stop();
    await redis?.process.stop();
  });

  it('answers 503 within seconds instead of hanging', async () => {
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    // A frozen Redis keeps its connection open and never answers PING.
    process.kill(redis.process.pid, 'SIGSTOP');
    const response = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(8_000) });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ready: false, redis: false });
  });
});
