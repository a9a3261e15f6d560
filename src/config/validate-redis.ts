import type { ValidationIssue } from './config-error.js';
import { integerIn } from './validate-functions.js';
import type { RedisNode, RedisSettings } from '../redis/redis-connection.js';
import type { ReplicaWait } from '../jobs/durable-job-queue.js';

/** The `redis:` section after validation. */
export interface RedisConfig extends RedisSettings {
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  /** Replicas that must confirm a failure record or an asynchronous event before it counts as stored (WAIT). */
  readonly replicaWait: ReplicaWait;
}

export const REDIS_FIELDS = ['url', 'keyPrefix', 'sentinel', 'cluster', 'waitForReplicas', 'waitTimeoutMs', 'commandTimeoutMs'] as const;
/** How long a Redis command may take before it fails, ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/** How long a stored job waits for its replicas by default, ms. */
export const DEFAULT_REPLICA_WAIT_TIMEOUT_MS = 1_000;

/**
 * Reads the connection part of `redis:` (the caller has checked the field names and read `url` and `keyPrefix`):
 * `sentinel: { name, nodes: [host:port, …], password? }` or `cluster: { nodes: [host:port, …] }` (not both),
 * `waitForReplicas` (0..10, default 0), `waitTimeoutMs` (1..60000, default 1000) and `commandTimeoutMs`
 * (100..600000, default 5000).
 */
export function validateRedis(section: Record<string, unknown>, url: string, keyPrefix: string, issues: ValidationIssue[]): RedisConfig {
  const sentinel = readSentinel(section.sentinel, issues);
  const cluster = readCluster(section.cluster, issues);
  if (sentinel && cluster) issues.push({ path: 'redis.cluster', message: 'cannot be combined with redis.sentinel: a deployment is one or the other' });
  const replicas = integerIn(section.waitForReplicas, 'redis.waitForReplicas', 0, 10, 0, issues);
  const timeoutMs = integerIn(section.waitTimeoutMs, 'redis.waitTimeoutMs', 1, 60_000, DEFAULT_REPLICA_WAIT_TIMEOUT_MS, issues);
  const commandTimeoutMs = integerIn(section.commandTimeoutMs, 'redis.commandTimeoutMs', 100, 600_000, DEFAULT_COMMAND_TIMEOUT_MS, issues);
  return {
    url,
    keyPrefix,
    commandTimeoutMs,
    ...(sentinel ? { sentinel } : {}),
    ...(cluster && !sentinel ? { cluster } : {}),
    replicaWait: { replicas, timeoutMs },
  };
}

function readSentinel(value: unknown, issues: ValidationIssue[]): RedisSettings['sentinel'] {
  if (value === undefined || value === null) return undefined;
  const path = 'redis.sentinel';
  if (!isMap(value)) return void issues.push({ path, message: 'must be a map { name, nodes, password }' });
  unknownFields(value, path, ['name', 'nodes', 'password'], issues);
  const { name, password } = value;
  const nodes = readNodes(value.nodes, `${path}.nodes`, issues);
  if (typeof name !== 'string' || name === '') return void issues.push({ path: `${path}.name`, message: 'must name the primary the Sentinels monitor' });
  if (password !== undefined && (typeof password !== 'string' || password === '')) {
    return void issues.push({ path: `${path}.password`, message: 'must be a non-empty string' });
  }
  if (!nodes) return undefined;
  return { name, nodes, ...(typeof password === 'string' ? { password } : {}) };
}

function readCluster(value: unknown, issues: ValidationIssue[]): RedisSettings['cluster'] {
  if (value === undefined || value === null) return undefined;
  const path = 'redis.cluster';
  if (!isMap(value)) return void issues.push({ path, message: 'must be a map { nodes }' });
  unknownFields(value, path, ['nodes'], issues);
  const nodes = readNodes(value.nodes, `${path}.nodes`, issues);
  return nodes ? { nodes } : undefined;
}

/** A non-empty list of `host:port` strings. */
function readNodes(value: unknown, path: string, issues: ValidationIssue[]): RedisNode[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return void issues.push({ path, message: 'must be a non-empty list of host:port' });
  const nodes: RedisNode[] = [];
  value.forEach((entry, index) => {
    const match = typeof entry === 'string' ? /^(.+):(\d{1,5})$/.exec(entry) : null;
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) return void issues.push({ path: `${path}[${index}]`, message: `${JSON.stringify(entry)} is not host:port` });
    nodes.push({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port });
  });
  return nodes.length === value.length ? nodes : undefined;
}

function unknownFields(value: Record<string, unknown>, path: string, fields: readonly string[], issues: ValidationIssue[]): void {
  for (const key of Object.keys(value)) if (!fields.includes(key)) issues.push({ path: `${path}.${key}`, message: 'is not a supported field' });
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
