import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { LocalServer } from './local-server.js';
import { startRedisSentinel, startRedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

/** Slots of a Redis Cluster. */
const CLUSTER_SLOTS = 16_384;
const TOPOLOGY_READY_TIMEOUT_MS = 30_000;

/** A Redis Cluster of primaries on loopback ports, without replicas. */
export interface RedisClusterUnderTest {
  readonly nodes: readonly LocalServer[];
  /** `127.0.0.1:<port>` of every node, as the service's `redis.cluster.nodes` takes them. */
  readonly addresses: readonly string[];
  /** SIGKILLs node `index` and starts it again on its port with its directory and cluster configuration file. */
  restartNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `size` `redis-server`s in cluster mode, gives each an equal range of the slots, introduces them to each
 * other and resolves once every node reports `cluster_state:ok`.
 */
/** `options.args`: more arguments for every node (e.g. `--appendonly yes`). */
export async function startRedisCluster(size = 3, options: { readonly args?: readonly string[] } = {}): Promise<RedisClusterUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'esm-redis-cluster-'));
  const nodeArgs = (index: number) => ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${index}.conf`, '--cluster-node-timeout', '2000', '--dir', dir, ...(options.args ?? [])];
  const nodes = await Promise.all(Array.from({ length: size }, (_, index) => startRedisServer({ args: nodeArgs(index) })));
  const admins = nodes.map((node) => new Redis(node.url));
  try {
    const perNode = Math.ceil(CLUSTER_SLOTS / size);
    await Promise.all(
      admins.map((admin, index) => admin.call('CLUSTER', 'ADDSLOTSRANGE', index * perNode, Math.min(CLUSTER_SLOTS, (index + 1) * perNode) - 1)),
    );
    for (const node of nodes.slice(1)) await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', node.port);
    await waitFor(
      async () => {
        const infos = await Promise.all(admins.map((admin) => admin.call('CLUSTER', 'INFO') as Promise<string>));
        return infos.every((info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${size}`));
      },
      { timeoutMs: TOPOLOGY_READY_TIMEOUT_MS, message: 'the Redis Cluster did not form' },
    );
  } catch (err) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw err;
  } finally {
    for (const admin of admins) admin.disconnect();
  }
  return {
    nodes,
    addresses: nodes.map((node) => `127.0.0.1:${node.port}`),
    restartNode: async (index) => {
      const node = nodes[index]!;
      node.process.kill();
      await node.process.exited;
      nodes[index] = await startRedisServer({ port: node.port, args: nodeArgs(index) });
    },
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

/** A primary, one replica and one Sentinel watching them, on loopback ports. */
export interface RedisSentinelUnderTest {
  /** The name the Sentinel knows the primary by. */
  readonly name: string;
  readonly primary: LocalServer;
  readonly replica: LocalServer;
  readonly sentinel: LocalServer;
  /** `127.0.0.1:<port>` of the Sentinel, as the service's `redis.sentinel.nodes` takes it. */
  readonly sentinelAddress: string;
  /** Port of the server the Sentinel names as primary now. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts a primary, a replica of it and a Sentinel; resolves once the replica is in sync and the Sentinel sees it. */
export async function startRedisSentinelGroup(name = 'esm-primary'): Promise<RedisSentinelUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'esm-redis-sentinel-'));
  // A full sync writes an RDB file on both sides: each server its own, inside the group's directory.
  const primary = await startRedisServer({ args: ['--dir', dir, '--dbfilename', 'primary.rdb'] });
  const replica = await startRedisServer({ args: ['--dir', dir, '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(primary.port)] });
  const sentinel = await startRedisSentinel(name, primary.port, dir);
  const servers = [sentinel, replica, primary];
  const stop = async () => {
    for (const server of servers) await server.stop();
  };
  const sentinelClient = new Redis(sentinel.url);
  const replicaClient = new Redis(replica.url);
  try {
    await waitFor(
      async () => {
        const replication = await replicaClient.info('replication');
        const replicas = (await sentinelClient.call('SENTINEL', 'REPLICAS', name)) as unknown[];
        return replication.includes('master_link_status:up') && replicas.length === 1;
      },
      { timeoutMs: TOPOLOGY_READY_TIMEOUT_MS, message: 'the replica did not sync or the Sentinel did not see it' },
    );
  } catch (err) {
    await stop();
    throw err;
  } finally {
    replicaClient.disconnect();
  }
  return {
    name,
    primary,
    replica,
    sentinel,
    sentinelAddress: `127.0.0.1:${sentinel.port}`,
    primaryPort: async () => {
      const [, port] = (await sentinelClient.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string];
      return Number(port);
    },
    stop: async () => {
      sentinelClient.disconnect();
      await stop();
    },
  };
}
