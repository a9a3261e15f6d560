import { afterAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../harness/aws-clients.js';
import { uniqueName } from '../harness/unique-name.js';
import { waitFor } from '../harness/wait-for.js';
import { printReport, report } from './fault-report.js';
import { SHORT_PROFILE, replicaConfig } from './fault-scenario.js';
import { kinesisSource } from './fault-sources.js';
import { Ledger, type LedgerAnswer } from './ledger.js';
import { ReplicaFleet } from './replica-fleet.js';

const servers = inject('servers');
const clients = testClients(servers);
const SHARDS = 4;
const FUNCTION_TIMEOUT_SECONDS = 2;
/** Lambda's limit on a synchronous invocation's payload. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Each near the Kinesis record limit (1 MiB); base64 in the event, six of them would pass 6 MB. */
const LARGE_RECORD_BYTES = 900 * 1024;
/** Large records put on one shard: as many as cannot go in one event (each takes kinesis-mock about a second to store). */
const LARGE_RECORDS = 6;

/** Value of every series of `name` in a /metrics text whose labels contain `labels`. */
function metricValues(text: string, name: string, labels = ''): number[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .map((line) => Number(line.split(' ').at(-1)));
}

/**
 * One replica, one 4-shard stream, a function that misbehaves on chosen records: slow, hung (past its timeout),
 * crashing (connection dropped), answering garbage, or failing forever (a poison record with unlimited retries).
 */
describe('function faults', { timeout: SHORT_PROFILE.testTimeoutMs }, () => {
  const cleanups: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    clients.destroy();
    printReport(process.env.ESM_FAULTS_REPORT);
  });

  it('slow, hung, crashing and garbage-answering invocations are retried until delivered; records near the 6 MB limit are split; a poison record blocks only its shard, visibly', async () => {
    const source = await kinesisSource(clients, SHARDS);
    const ledger = new Ledger(source.read);
    await ledger.start();
    const attempts = new Map<string, number>();
    // What the function does on the first attempt of a batch holding a record of each kind; later attempts succeed.
    const firstAttempt: Record<string, LedgerAnswer> = {
      slow: { delayMs: 1_000 },
      hung: { delayMs: 60_000 },
      crash: { crash: true },
      garbage: { status: 502, body: '<html>bad gateway</html>' },
    };
    ledger.answerWith((entries) => {
      if (entries.some((entry) => entry.id.startsWith('poison'))) return { status: 500, body: { errorMessage: 'poison' } };
      for (const entry of entries) {
        const kind = entry.id.split('-')[0]!;
        const attempt = (attempts.get(entry.id) ?? 0) + 1;
        attempts.set(entry.id, attempt);
        if (attempt === 1 && firstAttempt[kind]) return firstAttempt[kind];
      }
      // A 200 whose body is not JSON is a success like any other result the mapping does not read.
      return { body: 'not json {' };
    });
    const fleet = new ReplicaFleet(
      servers,
      (name) => replicaConfig({ redis: `url: "${servers.redisUrl}"`, keyPrefix: uniqueName('fn-faults'), functionUrl: ledger.urlFor(name), source, mapping: 'BatchSize: 10', functionTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS }),
      1,
    );
    cleanups.push(() => source.delete(), () => ledger.close(), () => fleet.close());
    await fleet.start();
    const service = fleet.replicas[0]!.service!;

    // The poison record and what follows it on its shard; the other shards get every other kind.
    const poisonShard = (await source.putOne('poison-0', 'blocked')).shardId;
    const behindPoison = ['after-0', 'after-1', 'after-2'];
    for (const id of behindPoison) await source.putOne(id, 'blocked');
    const poisonAge = async () => Math.max(...metricValues(await (await fetch(`${service.url}/metrics`)).text(), 'esm_iterator_age_seconds', `shard="${poisonShard}"`));
    // The blocked shard's iterator age once its batch was first invoked: it must grow from there.
    const ageBefore = (
      await waitFor(
        async () => {
          const age = await poisonAge();
          return ledger.has('poison-0') && Number.isFinite(age) ? { age } : undefined;
        },
        { message: 'the poison record was not invoked' },
      )
    ).age;
    const flowing: string[] = [];
    for (const kind of Object.keys(firstAttempt)) {
      for (let i = 0; flowing.filter((id) => id.startsWith(kind)).length < 3; i++) {
        const id = `${kind}-${i}`;
        const { shardId: shard } = await source.putOne(id, `${kind}-key-${i}`);
        if (shard !== poisonShard) flowing.push(id);
      }
    }
    const large: string[] = [];
    for (let i = 0; large.length < LARGE_RECORDS; i++) {
      const id = `large-${i}`;
      if ((await source.putOne(id, 'large', LARGE_RECORD_BYTES)).shardId === poisonShard) break;
      large.push(id);
    }
    // 'large' and 'blocked' hash to different shards of four.
    expect(large).toHaveLength(LARGE_RECORDS);
    const expected = [...flowing, ...large];
    await waitFor(() => expected.every((id) => ledger.has(id)), {
      timeoutMs: 120_000,
      intervalMs: 250,
      message: `records on the flowing shards not delivered (${ledger.deliveredCount(expected)} of ${expected.length})`,
    });

    // The poison's shard stays blocked: nothing behind it is delivered, its retries and iterator age grow.
    await waitFor(async () => (await poisonAge()) > ageBefore + 2, { timeoutMs: 60_000, message: 'the blocked shard\'s iterator age did not grow' });
    // Retried again and again (1 s doubling, so the fifth attempt comes 7.5 to 15 s after the first).
    await waitFor(
      async () =>
        Math.max(...metricValues(await (await fetch(`${service.url}/metrics`)).text(), 'esm_retries_total')) > 3 &&
        ledger.entries.filter((entry) => entry.id === 'poison-0').length > 3,
      { timeoutMs: 60_000, message: 'the poison record was not retried again and again' },
    );
    // Records behind it come only in the poison's own batch (retried whole), never past it.
    const poisonRequests = new Set(ledger.entries.filter((entry) => entry.id === 'poison-0').map((entry) => entry.request));
    expect(ledger.entries.filter((entry) => behindPoison.includes(entry.id) && !poisonRequests.has(entry.request))).toEqual([]);

    // Big records came in events under the payload limit, in order.
    expect(large.every((id) => ledger.has(id))).toBe(true);
    expect(Math.max(...ledger.entries.filter((entry) => entry.id.startsWith('large')).map((entry) => entry.eventBytes))).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const verdict = ledger.check(expected);
    report({ scenario: 'Slow, hung, crashing, garbage-answering function; records near 6 MB; a poison record', verdict });
    expect(verdict.lost).toEqual([]);
    expect(verdict.orderBroken).toEqual([]);
    // Every misbehaving first attempt is retried: its batch comes again.
    expect(verdict.duplicated).toBeGreaterThan(0);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});
