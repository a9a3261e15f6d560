import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, afterAll, describe, expect, inject, it } from 'vitest';
import { testClients, type TestClients } from '../harness/aws-clients.js';
import { startDynamodbServer } from '../harness/dynamodb-server.js';
import { startFauxqsServer } from '../harness/fauxqs-server.js';
import { killKinesisAfterSave, startKinesisServer } from '../harness/kinesis-server.js';
import type { LocalServer } from '../harness/local-server.js';
import type { TestServers } from '../harness/servers.js';
import { uniqueName } from '../harness/unique-name.js';
import { waitFor } from '../harness/wait-for.js';
import { printReport, report } from './fault-report.js';
import { FULL_PROFILE, SHORT_PROFILE, quiesce, replicaConfig, secondsToResume } from './fault-scenario.js';
import { dynamodbSource, kinesisSource, type FaultSource } from './fault-sources.js';
import { Ledger } from './ledger.js';
import { ReplicaFleet } from './replica-fleet.js';
import { Traffic } from './traffic.js';

const servers = inject('servers');
const profile = process.env.ESM_FAULTS === 'full' ? FULL_PROFILE : SHORT_PROFILE;
const OUTAGE_MS = profile.name === 'full' ? 30_000 : 5_000;
const SHARDS = 4;
const REPLICAS = 2;
const DEADLINE_MS = 120_000;
/** How long an emulator sent SIGTERM may take to exit. */
const EMULATOR_STOP_TIMEOUT_MS = 30_000;

/** Freezes a server (SIGSTOP: connections open, nothing answered) for `ms`, then wakes it. */
async function freeze(server: LocalServer, ms: number): Promise<void> {
  process.kill(server.process.pid, 'SIGSTOP');
  try {
    await delay(ms);
  } finally {
    process.kill(server.process.pid, 'SIGCONT');
  }
}

/** A source emulator that keeps its data on disk, so it can be stopped and started again with the same streams. */
interface PersistentEmulator {
  readonly name: string;
  /** How it is stopped, for the test's title. */
  readonly stopped: string;
  /** Starts it on `dataDir` (an existing directory), on `port` when given. */
  start(dataDir: string, port?: number): Promise<LocalServer>;
  /** Stops it with every record it acknowledged on disk; `traffic` runs again when it returns. */
  stop(server: LocalServer, dataDir: string, traffic: Traffic): Promise<void>;
  endpoints(url: string): Partial<TestServers>;
  source(clients: TestClients): Promise<FaultSource>;
}

const PERSISTENT_EMULATORS: readonly PersistentEmulator[] = [
  {
    name: 'DynamoDB Local',
    stopped: 'SIGTERM under writes',
    start: (dbPath, port) => startDynamodbServer({ dbPath, ...(port === undefined ? {} : { port }) }),
    // Every write is committed to its SQLite file before it is answered, so the writes go on while it stops.
    stop: async (server) => {
      // Not SIGKILLed at the deadline: it exited by itself.
      expect(await server.process.stop(EMULATOR_STOP_TIMEOUT_MS)).not.toBeNull();
    },
    endpoints: (url) => ({ dynamodbEndpoint: url }),
    source: (clients) => dynamodbSource(clients),
  },
  {
    name: 'kinesis-local',
    stopped: 'SIGKILL after a save',
    start: (persistPath, port) => startKinesisServer({ persistPath, ...(port === undefined ? {} : { port }) }),
    // kinesis-mock saves every second: a SIGKILL between two saves would lose records it acknowledged (the source
    // itself losing data), so the writes pause until a save holds them all.
    stop: async (server, persistPath, traffic) => {
      await traffic.pause();
      try {
        await killKinesisAfterSave(server, persistPath);
      } finally {
        traffic.resume();
      }
    },
    endpoints: (url) => ({ kinesisEndpoint: url }),
    source: (clients) => kinesisSource(clients, SHARDS),
  },
];

/** True while a process with this pid runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The emulators a stream mapping depends on, each its own process here so that it can be frozen or restarted. */
describe(`dependency faults (${profile.name})`, { timeout: profile.testTimeoutMs }, () => {
  const cleanups: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  afterAll(() => printReport(process.env.ESM_FAULTS_REPORT));

  /** A ledger, {@link REPLICAS} replicas reading `source` into it, and traffic flowing through them. */
  async function flowing(own: TestServers, source: FaultSource, tag: string): Promise<{ ledger: Ledger; fleet: ReplicaFleet; traffic: Traffic }> {
    const ledger = new Ledger(source.read);
    await ledger.start();
    const keyPrefix = uniqueName(tag);
    const fleet = new ReplicaFleet(own, (name) => replicaConfig({ redis: `url: "${servers.redisUrl}"`, keyPrefix, functionUrl: ledger.urlFor(name), source }), REPLICAS);
    cleanups.push(() => ledger.close(), () => fleet.close());
    await fleet.start();
    const traffic = new Traffic(source, profile.recordsPerRound, profile.roundIntervalMs);
    cleanups.push(() => traffic.stop());
    await waitFor(() => ledger.deliveredCount(traffic.pushed) >= profile.recordsPerRound * 3, { timeoutMs: 60_000, message: 'no traffic before the fault' });
    return { ledger, fleet, traffic };
  }

  // Starting an emulator of its own takes a while: left to the full run.
  if (profile.name === 'full') it(`the stream's emulator frozen for ${OUTAGE_MS / 1_000} s under traffic: the replicas wait, resume and lose nothing`, async () => {
    const kinesis = await startKinesisServer();
    const own = { ...servers, kinesisEndpoint: kinesis.url };
    const clients = testClients(own);
    cleanups.push(() => kinesis.stop(), async () => clients.destroy());
    const source = await kinesisSource(clients, SHARDS);
    const { ledger, fleet, traffic } = await flowing(own, source, 'source-faults');

    await freeze(kinesis, OUTAGE_MS);
    const probe = await secondsToResume(source, ledger, Date.now(), 20, DEADLINE_MS);
    const pushed = [...(await traffic.stop()), ...probe.ids];
    await quiesce(ledger, pushed, fleet, DEADLINE_MS);
    const verdict = ledger.check(pushed);
    report({ scenario: `Kinesis emulator frozen ${OUTAGE_MS / 1_000} s`, verdict, seconds: { resume: [probe.seconds] } });
    expect(fleet.live).toHaveLength(REPLICAS);
    expect(verdict.lost).toEqual([]);
    expect(verdict.orderBroken).toEqual([]);
    expect(verdict.overlaps).toEqual([]);
  });

  // Starting an emulator of its own takes a while: left to the full run.
  for (const emulator of profile.name === 'full' ? PERSISTENT_EMULATORS : []) {
    it(`${emulator.name} stopped (${emulator.stopped}) for ${OUTAGE_MS / 1_000} s and restarted on its port under traffic: the replicas wait, resume and lose nothing`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'esm-emulator-'));
      let server = await emulator.start(dataDir);
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }), () => server.stop());
      const own = { ...servers, ...emulator.endpoints(server.url) };
      const clients = testClients(own);
      cleanups.push(async () => clients.destroy());
      const source = await emulator.source(clients);
      const { ledger, fleet, traffic } = await flowing(own, source, 'emulator-restart');
      const pids = fleet.live.map((replica) => replica.service!.pid);

      const stoppedAt = Date.now();
      await emulator.stop(server, dataDir, traffic);
      // The replicas notice: the reads of the shards fail (the traffic's writes fail meanwhile and are not expected).
      await waitFor(() => fleet.live.some((replica) => replica.service!.logs.some((line) => line.msg === 'shard_read_failed')), {
        timeoutMs: OUTAGE_MS,
        message: 'no replica noticed the emulator was gone',
      });
      await delay(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
      server = await emulator.start(dataDir, server.port);
      const backAt = Date.now();
      const probe = await secondsToResume(source, ledger, backAt, 20, DEADLINE_MS);
      const pushed = [...(await traffic.stop()), ...probe.ids];
      await quiesce(ledger, pushed, fleet, DEADLINE_MS);
      const verdict = ledger.check(pushed);
      report({
        scenario: `${emulator.name} stopped (${emulator.stopped}) ${OUTAGE_MS / 1_000} s and restarted`,
        verdict,
        seconds: { 'emulator down': [(backAt - stoppedAt) / 1_000], 'resume after restart': [probe.seconds] },
      });
      // The same processes throughout: none crashed or gave up.
      expect(fleet.live.map((replica) => replica.service!.pid)).toEqual(pids);
      expect(pids.every(alive)).toBe(true);
      expect(verdict.lost).toEqual([]);
      expect(verdict.orderBroken).toEqual([]);
      expect(verdict.overlaps).toEqual([]);
    });
  }

  it(`the on-failure destination frozen for ${OUTAGE_MS / 1_000} s while failures pile up: the shards move on and every failure record arrives when it returns`, async () => {
    const fauxqs = await startFauxqsServer();
    const own = { ...servers, fauxqsEndpoint: fauxqs.url };
    const clients = testClients(own);
    const kinesisClients = testClients(servers);
    cleanups.push(() => fauxqs.stop(), async () => clients.destroy(), async () => kinesisClients.destroy());
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('failures') }));
    const queueArn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const source = await kinesisSource(kinesisClients, SHARDS);
    const ledger = new Ledger(source.read);
    await ledger.start();
    ledger.answerWith((entries) => (entries.some((entry) => entry.id.startsWith('fail')) ? { status: 500, body: { errorMessage: 'failed on purpose' } } : undefined));
    const keyPrefix = uniqueName('destination-faults');
    const mapping = `BatchSize: 1, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: "${queueArn}" } }`;
    const fleet = new ReplicaFleet(own, (name) => replicaConfig({ redis: `url: "${servers.redisUrl}"`, keyPrefix, functionUrl: ledger.urlFor(name), source, mapping }), REPLICAS);
    cleanups.push(() => source.delete(), () => ledger.close(), () => fleet.close());
    await fleet.start();

    process.kill(fauxqs.process.pid, 'SIGSTOP');
    const failed = new Map<string, { shardId: string; sequenceNumber: bigint }>();
    const succeeded: string[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const { shardId, sequenceNumber } = await source.putOne(`fail-${i}`, `key-${i}`);
        failed.set(`fail-${i}`, { shardId, sequenceNumber: BigInt(sequenceNumber) });
        await source.putOne(`ok-${i}`, `key-${i}`);
        succeeded.push(`ok-${i}`);
      }
      // The failure records wait in Redis: the records after each failed one are delivered meanwhile.
      await waitFor(() => succeeded.every((id) => ledger.has(id)), { timeoutMs: DEADLINE_MS, message: 'the shards did not move on past their failed records' });
      await delay(OUTAGE_MS);
    } finally {
      process.kill(fauxqs.process.pid, 'SIGCONT');
    }
    const backAt = Date.now();

    const covered = new Set<string>();
    await waitFor(
      async () => {
        const { Messages = [] } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const message of Messages) {
          const info = (JSON.parse(message.Body!) as { KinesisBatchInfo: { shardId: string; startSequenceNumber: string; endSequenceNumber: string } }).KinesisBatchInfo;
          for (const [id, at] of failed) {
            if (at.shardId === info.shardId && at.sequenceNumber >= BigInt(info.startSequenceNumber) && at.sequenceNumber <= BigInt(info.endSequenceNumber)) covered.add(id);
          }
        }
        if (Messages.length > 0) await clients.sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
        return covered.size === failed.size;
      },
      { timeoutMs: DEADLINE_MS, intervalMs: 100, message: `failure records missing (${covered.size} of ${failed.size})` },
    );
    const drainedSeconds = (Date.now() - backAt) / 1_000;
    await quiesce(ledger, succeeded, fleet, DEADLINE_MS);
    const verdict = ledger.check([...succeeded, ...failed.keys()]);
    report({ scenario: `On-failure destination frozen ${OUTAGE_MS / 1_000} s, ${failed.size} failures`, verdict, seconds: { 'failure records delivered after return': [drainedSeconds] } });
    expect(verdict.lost).toEqual([]);
    expect(verdict.orderBroken).toEqual([]);
  });
});
