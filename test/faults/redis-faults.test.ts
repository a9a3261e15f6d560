import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { LEASE_DURATION_MS } from '../../src/leases/lease-timings.js';
import { testClients } from '../harness/aws-clients.js';
import type { LocalServer } from '../harness/local-server.js';
import { startRedisServer } from '../harness/redis-server.js';
import { startRedisCluster, startRedisSentinelGroup } from '../harness/redis-topologies.js';
import { uniqueName } from '../harness/unique-name.js';
import { waitFor } from '../harness/wait-for.js';
import { printReport, report } from './fault-report.js';
import { FULL_PROFILE, SHORT_PROFILE, quiesce, replicaConfig, secondsToResume } from './fault-scenario.js';
import { kinesisSource } from './fault-sources.js';
import { Ledger, type LedgerVerdict } from './ledger.js';
import { ReplicaFleet } from './replica-fleet.js';
import { Traffic } from './traffic.js';

const servers = inject('servers');
const clients = testClients(servers);
const profile = process.env.ESM_FAULTS === 'full' ? FULL_PROFILE : SHORT_PROFILE;
const REPLICAS = 2;
const SHARDS = 4;
/** How long Redis is unreachable (frozen) in the outage scenario. */
const OUTAGE_MS = profile.name === 'full' ? 30_000 : 5_000;
const PROBE_RECORDS = 20;
const RESUME_DEADLINE_MS = 90_000;
const QUIESCE_DEADLINE_MS = 120_000;
/** Arguments of a Redis run as production runs it: append-only file, in its own directory. */
const aofArgs = () => ['--appendonly', 'yes', '--dir', mkdtempSync(join(tmpdir(), 'esm-faults-redis-'))];

/**
 * Each scenario: two replicas on a 4-shard Kinesis stream whose Redis is `redis`, traffic flowing, then
 * `fault()` (which returns when Redis is back), a probe timed to full delivery, and the ledger checked.
 */
describe(`Redis faults (${profile.name})`, { timeout: profile.testTimeoutMs }, () => {
  const cleanups: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  afterAll(() => {
    clients.destroy();
    printReport(process.env.ESM_FAULTS_REPORT);
  });

  async function runWithFault(redis: string, fault: () => Promise<void>): Promise<{ verdict: LedgerVerdict; resumeSeconds: number; fleet: ReplicaFleet }> {
    const source = await kinesisSource(clients, SHARDS);
    const ledger = new Ledger(source.read);
    await ledger.start();
    const keyPrefix = uniqueName('redis-faults');
    const fleet = new ReplicaFleet(servers, (name) => replicaConfig({ redis, keyPrefix, functionUrl: ledger.urlFor(name), source, mapping: 'BatchSize: 10' }), REPLICAS);
    cleanups.push(() => source.delete(), () => ledger.close(), () => fleet.close());
    await fleet.start();
    const traffic = new Traffic(source, profile.recordsPerRound, profile.roundIntervalMs);
    // Records flow before the fault strikes.
    await waitFor(() => ledger.deliveredCount(traffic.pushed) >= profile.recordsPerRound * 3, { timeoutMs: 60_000, message: 'no traffic before the fault' });
    await fault();
    const back = Date.now();
    const probe = await secondsToResume(source, ledger, back, PROBE_RECORDS, RESUME_DEADLINE_MS);
    const pushed = [...(await traffic.stop()), ...probe.ids];
    await quiesce(ledger, pushed, fleet, QUIESCE_DEADLINE_MS);
    // Both replicas survived the fault: none exited.
    expect(fleet.live.map((replica) => replica.name)).toEqual(fleet.replicas.map((replica) => replica.name));
    return { verdict: ledger.check(pushed), resumeSeconds: probe.seconds, fleet };
  }

  async function singleRedis(args: readonly string[]): Promise<LocalServer> {
    const redis = await startRedisServer({ args });
    cleanups.push(() => redis.stop());
    return redis;
  }

  it('Redis SIGKILLed and restarted with its append-only file: nothing lost, nothing replayed beyond the batches in flight', async () => {
    const args = aofArgs();
    let redis = await singleRedis(args);
    const { verdict, resumeSeconds } = await runWithFault(`url: "${redis.url}"`, async () => {
      redis.process.kill();
      await redis.process.exited;
      redis = await startRedisServer({ port: redis.port, args });
      cleanups.push(() => redis.stop());
    });
    report({ scenario: 'Redis SIGKILLed, restarted with AOF', verdict, seconds: { resume: [resumeSeconds] } });
    expect(verdict.lost).toEqual([]);
    expect(verdict.orderBroken).toEqual([]);
    expect(verdict.overlaps).toEqual([]);
    expect(verdict.duplicated).toBeLessThanOrEqual(SHARDS * 10);
  });

  if (profile.name === 'full') {
    it('Redis restarted empty: the loss is detected and the shards replay from TRIM_HORIZON, nothing skipped', async () => {
      let redis = await singleRedis([]);
      const { verdict, resumeSeconds } = await runWithFault(`url: "${redis.url}"`, async () => {
        redis.process.kill();
        await redis.process.exited;
        redis = await startRedisServer({ port: redis.port });
        cleanups.push(() => redis.stop());
      });
      report({ scenario: 'Redis restarted empty (replay from TRIM_HORIZON)', verdict, seconds: { resume: [resumeSeconds] } });
      expect(verdict.lost).toEqual([]);
      expect(verdict.orderBroken).toEqual([]);
      // Everything before the loss may come again (the replay); nothing more.
      expect(verdict.duplicated).toBeLessThanOrEqual(verdict.pushed);
    });

    it('Redis Sentinel: the primary SIGKILLed, the replica promoted, nothing lost', async () => {
      const group = await startRedisSentinelGroup(uniqueName('faults'));
      cleanups.push(() => group.stop());
      const { verdict, resumeSeconds } = await runWithFault(`url: "redis://127.0.0.1:1", sentinel: { name: ${group.name}, nodes: ["${group.sentinelAddress}"] }`, async () => {
        group.primary.process.kill();
        await group.primary.process.exited;
        await waitFor(async () => (await group.primaryPort()) === group.replica.port, { timeoutMs: 60_000, message: 'Sentinel did not promote the replica' });
      });
      report({ scenario: 'Sentinel failover (primary SIGKILLed)', verdict, seconds: { resume: [resumeSeconds] } });
      expect(verdict.lost).toEqual([]);
      expect(verdict.orderBroken).toEqual([]);
      // Asynchronous replication: checkpoints not yet on the replica are replayed.
      expect(verdict.duplicated).toBeLessThanOrEqual(verdict.pushed);
    });

    it('Redis Cluster: a node SIGKILLed and restarted with its append-only file, nothing lost', async () => {
      const cluster = await startRedisCluster(3, { args: ['--appendonly', 'yes'] });
      cleanups.push(() => cluster.stop());
      const nodes = cluster.addresses.map((address) => `"${address}"`).join(', ');
      const { verdict, resumeSeconds } = await runWithFault(`cluster: { nodes: [${nodes}] }`, async () => {
        await cluster.restartNode(1);
        const admin = new Redis(cluster.nodes[1]!.url);
        try {
          await waitFor(async () => ((await admin.call('CLUSTER', 'INFO')) as string).includes('cluster_state:ok'), { timeoutMs: 60_000, message: 'the cluster did not recover' });
        } finally {
          admin.disconnect();
        }
      });
      report({ scenario: 'Cluster node SIGKILLed, restarted with AOF', verdict, seconds: { resume: [resumeSeconds] } });
      expect(verdict.lost).toEqual([]);
      expect(verdict.orderBroken).toEqual([]);
      expect(verdict.overlaps).toEqual([]);
      expect(verdict.duplicated).toBeLessThanOrEqual(SHARDS * 10);
    });
  }

  it(`Redis unreachable for ${OUTAGE_MS / 1_000} s (frozen): the replicas keep running, give up leases they cannot renew and resume`, async () => {
    const redis = await singleRedis(aofArgs());
    const { verdict, resumeSeconds, fleet } = await runWithFault(`url: "${redis.url}"`, async () => {
      process.kill(redis.process.pid, 'SIGSTOP');
      try {
        await delay(OUTAGE_MS);
      } finally {
        process.kill(redis.process.pid, 'SIGCONT');
      }
    });
    report({ scenario: `Redis unreachable ${OUTAGE_MS / 1_000} s (SIGSTOP)`, verdict, seconds: { resume: [resumeSeconds] } });
    // Longer than a lease: every shard was given up by its holder (not renewed in time, or found lost on return).
    if (OUTAGE_MS > LEASE_DURATION_MS) {
      const givenUp = fleet.replicas.flatMap((replica) =>
        replica.service!.logs.filter((line) => line.msg === 'lease_expired_unrenewed' || line.msg === 'lease_lost').map((line) => line.shardId),
      );
      expect(new Set(givenUp).size).toBe(SHARDS);
    }
    expect(verdict.lost).toEqual([]);
    expect(verdict.orderBroken).toEqual([]);
    expect(verdict.duplicated).toBeLessThanOrEqual(SHARDS * 10 * REPLICAS);
  });
});
