import { randomInt } from 'node:crypto';
import { waitFor } from '../harness/wait-for.js';
import type { FaultSource } from './fault-sources.js';
import type { Ledger } from './ledger.js';
import type { LeaseView } from './lease-view.js';
import type { Replica, ReplicaFleet } from './replica-fleet.js';

/** How big and how long a run is: the short form runs inside `npm test`, the full one in `npm run test:faults`. */
export interface FaultProfile {
  readonly name: 'short' | 'full';
  readonly kinesisShards: number;
  readonly kinesisKills: number;
  /** 0: the DynamoDB Streams scenario is left to the full run (DynamoDB Local is slow to start a stream). */
  readonly dynamodbKills: number;
  readonly sqsKills: number;
  /** Replicas stopped with SIGTERM and started again, one after the other (the rolling restart). */
  readonly rollingRestarts: number;
  /** Random pause before each kill, ms (lower and upper bound). */
  readonly killPauseMs: readonly [number, number];
  /** Records pushed per round and pause between rounds while faults happen. */
  readonly recordsPerRound: number;
  readonly roundIntervalMs: number;
  /** Time a test of the profile may take; the short form's leaves room for a loaded machine. */
  readonly testTimeoutMs: number;
}

export const SHORT_PROFILE: FaultProfile = {
  name: 'short',
  kinesisShards: 4,
  kinesisKills: 1,
  dynamodbKills: 0,
  sqsKills: 1,
  rollingRestarts: 1,
  killPauseMs: [300, 1_500],
  recordsPerRound: 10,
  roundIntervalMs: 200,
  testTimeoutMs: 180_000,
};

export const FULL_PROFILE: FaultProfile = {
  name: 'full',
  kinesisShards: 16,
  kinesisKills: 12,
  dynamodbKills: 4,
  sqsKills: 6,
  rollingRestarts: 3,
  killPauseMs: [500, 5_000],
  recordsPerRound: 20,
  roundIntervalMs: 100,
  testTimeoutMs: 30 * 60_000,
};

/** Lease and drain settings of every replica: the service's defaults, so failover times are the users' ones. */
export interface ReplicaConfigOptions {
  /** The `redis:` settings besides the key prefix, as flow-style YAML members (e.g. `url: "redis://…"`). */
  readonly redis: string;
  readonly keyPrefix: string;
  readonly functionUrl: string;
  readonly source: FaultSource;
  /** The mapping's fields besides FunctionName and EventSourceArn (flow-style YAML). */
  readonly mapping?: string;
  /** @defaultValue 10 */
  readonly functionTimeoutSeconds?: number;
  /** @defaultValue 15 */
  readonly drainTimeoutSeconds?: number;
}

/** The configuration file of one replica: one function (the ledger under this replica's path), one mapping. */
export function replicaConfig(options: ReplicaConfigOptions): string {
  const start = options.source.kind === 'sqs' ? '' : 'StartingPosition: TRIM_HORIZON, ';
  return [
    'functions:',
    `  ledger: { url: "${options.functionUrl}", timeout: ${options.functionTimeoutSeconds ?? 10} }`,
    'eventSourceMappings:',
    `  - { FunctionName: ledger, EventSourceArn: "${options.source.arn}", ${start}${options.mapping ?? 'BatchSize: 10'} }`,
    `redis: { ${options.redis}, keyPrefix: ${options.keyPrefix} }`,
    'streams: { idlePollIntervalMs: 200 }',
    `shutdown: { drainTimeoutSeconds: ${options.drainTimeoutSeconds ?? 15} }`,
    'log: { level: warn }',
  ].join('\n');
}

/** A pause of random length within `bounds` ms: faults strike at random moments of the traffic. */
export function randomPauseMs(bounds: readonly [number, number]): number {
  return bounds[0] + randomInt(bounds[1] - bounds[0] + 1);
}

/** A random running replica. */
export function randomLive(fleet: ReplicaFleet): Replica {
  const live = fleet.live;
  if (live.length === 0) throw new Error('no replica is running');
  return live[randomInt(live.length)]!;
}

/**
 * Waits until every id of `pushed` is in the ledger (or in `elsewhere`), then until each running replica
 * answers `POST /_esm/wait-idle`: nothing left in flight that could still deliver a duplicate.
 */
export async function quiesce(ledger: Ledger, pushed: readonly string[], fleet: ReplicaFleet, timeoutMs: number, elsewhere: ReadonlySet<string> = new Set()): Promise<void> {
  await waitFor(() => pushed.every((id) => ledger.has(id) || elsewhere.has(id)), {
    timeoutMs,
    intervalMs: 250,
    message: `records not delivered (${ledger.deliveredCount(pushed)} of ${pushed.length})`,
  });
  for (const replica of fleet.live) {
    const response = await fetch(`${replica.service!.url}/_esm/wait-idle?timeoutMs=${timeoutMs}`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs + 5_000) });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${replica.name} not idle: ${response.status}`);
  }
}

/**
 * Waits until the running replicas share the mapping's shards evenly: every shard leased to a running replica
 * and each holding its fair share, within one shard.
 */
export async function waitBalanced(view: LeaseView, fleet: ReplicaFleet, shardCount: number, timeoutMs: number): Promise<Map<number, number>> {
  return waitFor(
    async () => {
      const live = fleet.live.map((replica) => replica.service!.pid);
      const counts = await view.countsByPid();
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const fair = shardCount / live.length;
      const balanced = total === shardCount && [...counts.keys()].every((pid) => live.includes(pid)) && live.every((pid) => Math.abs((counts.get(pid) ?? 0) - fair) < 1);
      return balanced ? counts : undefined;
    },
    { timeoutMs, intervalMs: 200, message: 'shards not shared evenly by the running replicas' },
  );
}

/** Shards whose live lease is held by `pid`. */
export async function shardsOf(view: LeaseView, pid: number): Promise<string[]> {
  return (await view.owners()).filter((owner) => owner.pid === pid).map((owner) => owner.shardId);
}

/** Seconds from `startedAt` until every shard of `shardIds` is leased to a process other than `formerPid`. */
export async function secondsUntilTaken(view: LeaseView, shardIds: readonly string[], formerPid: number, startedAt: number, timeoutMs: number): Promise<number> {
  await waitFor(
    async () => {
      const owners = await view.owners();
      return shardIds.every((shardId) => {
        const owner = owners.find((entry) => entry.shardId === shardId);
        return owner?.pid !== undefined && owner.pid !== formerPid;
      });
    },
    { timeoutMs, intervalMs: 50, message: `shards ${shardIds.join(', ')} not taken over` },
  );
  return (Date.now() - startedAt) / 1_000;
}

/**
 * Seconds from `since` until every record of a probe pushed now is delivered: how long the fleet takes to
 * resume after a fault ends. Returns the probe's ids with the time.
 */
export async function secondsToResume(source: FaultSource, ledger: Ledger, since: number, probeSize: number, timeoutMs: number): Promise<{ seconds: number; ids: string[] }> {
  const ids = await source.push(probeSize);
  await waitFor(() => ids.every((id) => ledger.has(id)), { timeoutMs, intervalMs: 100, message: `the probe was not delivered (${ledger.deliveredCount(ids)} of ${ids.length})` });
  const last = Math.max(...ids.map((id) => ledger.firstDeliveredAt(id)!));
  return { seconds: (last - since) / 1_000, ids };
}
