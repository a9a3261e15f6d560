import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startLocalServer, type LocalServer, type LocalServerOptions, type LocalServerSpec } from './local-server.js';

const REDIS_READY_TIMEOUT_MS = 15_000;
const PING_TIMEOUT_MS = 2_000;

const redisServer = (extraArgs: readonly string[]): LocalServerSpec => ({
  name: 'redis-server',
  // No persistence unless asked for: every start is empty, and nothing is written to the working directory.
  launch: (port) => ({
    command: 'redis-server',
    args: ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', ...extraArgs],
  }),
  url: (port) => `redis://127.0.0.1:${port}`,
  probe: (url) => ping(Number(new URL(url).port)),
  readyTimeoutMs: REDIS_READY_TIMEOUT_MS,
});

export interface RedisServerOptions extends LocalServerOptions {
  /** More `redis-server` arguments, after ours (e.g. `--dir` for a test that turns persistence on). */
  readonly args?: readonly string[];
}

/**
 * Starts a `redis-server` (binary on PATH) on a free loopback port, or on `options.port` — e.g. to restart a
 * stopped one where its clients expect it. Tests that stop, restart or flush Redis start their own with this.
 */
export function startRedisServer(options: RedisServerOptions = {}): Promise<LocalServer> {
  return startLocalServer(redisServer(options.args ?? []), options);
}

/**
 * Starts a Sentinel (`redis-server CONF --sentinel`) that monitors the primary on `primaryPort` under `name`,
 * with a quorum of 1 and short timings (down after 1 s), its configuration file in `dir` (Sentinel rewrites it).
 */
export function startRedisSentinel(name: string, primaryPort: number, dir: string, options: LocalServerOptions = {}): Promise<LocalServer> {
  return startLocalServer(
    {
      name: 'redis-sentinel',
      launch: (port) => {
        const file = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          file,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 1`,
            `sentinel down-after-milliseconds ${name} 1000`,
            `sentinel failover-timeout ${name} 10000`,
            '',
          ].join('\n'),
        );
        return { command: 'redis-server', args: [file, '--sentinel'] };
      },
      url: (port) => `redis://127.0.0.1:${port}`,
      probe: (url) => ping(Number(new URL(url).port)),
      readyTimeoutMs: REDIS_READY_TIMEOUT_MS,
    },
    options,
  );
}

/** Resolves when the server answers PING with PONG (inline protocol, no client library). */
function ping(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.setTimeout(PING_TIMEOUT_MS, () => socket.destroy(new Error('PING timed out')));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`PING answered ${JSON.stringify(reply.trim())}`));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('connection closed before PONG')));
  });
}
