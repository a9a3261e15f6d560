import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../harness/redis-server.js';
import type { LocalServer } from '../../harness/local-server.js';
import { CLI_PATH, runCli, startService, type RunningService } from '../../harness/service-process.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../harness/free-port.js';
import { waitFor } from '../../harness/wait-for.js';
import { serviceEnv } from '../../harness/aws-clients.js';

const servers = inject('servers');
const CONFIG = 'functions: { f: { url: "http://127.0.0.1:1/f" } }\n';

/** The value of `esm_redis_persistence_enabled{setting="appendonly"}`, or undefined when absent. */
function appendOnlySample(metricsText: string): number | undefined {
  const line = metricsText.split('\n').find((l) => l.startsWith('esm_redis_persistence_enabled{setting="appendonly"} '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function metricsOf(service: RunningService): Promise<string> {
  return (await fetch(`${service.url}/metrics`)).text();
}

describe('Redis durability checks at start', () => {
  let redis: LocalServer;
  let admin: Redis;

  beforeAll(async () => {
    // An append-only file must go to a scratch directory, not the working directory of the run.
    redis = await startRedisServer({ args: ['--dir', mkdtempSync(join(tmpdir(), 'esm-redis-aof-'))] });
    admin = new Redis(redis.url);
  });

  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  it('refuses a Redis that evicts keys: exit 1 naming the policy and the fix', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'esm-durability-')), 'config.yaml');
      writeFileSync(file, CONFIG);
      const { code, stderr } = await runCli(['start', '--config', file, '--port', '0'], { ...serviceEnv(servers), REDIS_URL: redis.url });
      expect(code).toBe(1);
      expect(stderr).toContain('Redis maxmemory-policy is allkeys-lru');
      expect(stderr).toContain('Run Redis with maxmemory-policy noeviction.');
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('warns loudly and exports 0 when Redis keeps no append-only file', async () => {
    await admin.config('SET', 'appendonly', 'no');
    const service = await startService({ config: CONFIG, servers, env: { REDIS_URL: redis.url } });
    try {
      expect(service.logs.some((l) => l.level === 'warn' && String(l.msg).startsWith('redis_persistence_off'))).toBe(true);
      expect(appendOnlySample(await metricsOf(service))).toBe(0);
    } finally {
      await service.stop();
    }
  });

  it('exports 1 and does not warn when Redis runs with appendonly yes', async () => {
    await admin.config('SET', 'appendonly', 'yes');
    const service = await startService({ config: CONFIG, servers, env: { REDIS_URL: redis.url } });
    try {
      expect(service.logs.some((l) => String(l.msg).startsWith('redis_persistence_off'))).toBe(false);
      expect(appendOnlySample(await metricsOf(service))).toBe(1);
    } finally {
      await service.stop();
      await admin.config('SET', 'appendonly', 'no');
    }
  });

  it('says it cannot check where CONFIG is not permitted, and starts anyway', async () => {
    await admin.call('ACL', 'SETUSER', 'managed', 'on', '>secret', '~*', '&*', '+@all', '-config');
    const managedUrl = redis.url.replace('redis://', 'redis://managed:secret@');
    const service = await startService({ config: CONFIG, servers, env: { REDIS_URL: managedUrl } });
    try {
      expect(service.logs.some((l) => l.level === 'warn' && String(l.msg).startsWith('redis_config_unchecked'))).toBe(true);
      expect(appendOnlySample(await metricsOf(service))).toBeUndefined();
    } finally {
      await service.stop();
    }
  });

  it('waits at start until Redis answers, then starts', async () => {
    const port = await freePort();
    const file = join(mkdtempSync(join(tmpdir(), 'esm-durability-')), 'config.yaml');
    writeFileSync(file, `${CONFIG}redis: { url: "redis://127.0.0.1:${port}" }\n`);
    const child = spawn(process.execPath, [CLI_PATH, 'start', '--config', file, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...serviceEnv(servers) },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let late: LocalServer | undefined;
    try {
      await waitFor(() => output.includes('"msg":"redis_waiting'), { message: 'the service did not say it waits for Redis' });
      late = await startRedisServer({ port });
      await waitFor(() => output.includes('"msg":"service_started"'), { message: 'the service did not start once Redis answered', timeoutMs: 20_000 });
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect(((await exited) as [number | null])[0]).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await late?.stop();
    }
  });
});
