import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);
const BATCH_SIZE = 5;

/** One delivered record, as the record.mjs handler wrote it down. */
interface Delivered {
  readonly data: string;
  readonly shardId: string;
}

/** Records the handler of one service process saw, in order (one JSON event per line). */
function delivered(recordFile: string): Delivered[] {
  if (!existsSync(recordFile)) return [];
  return readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .flatMap((line) =>
      (JSON.parse(line) as { Records: { eventID: string; kinesis: { data: string } }[] }).Records.map((record) => ({
        data: Buffer.from(record.kinesis.data, 'base64').toString(),
        shardId: record.eventID.split(':')[0]!,
      })),
    );
}

/** Value of `esm_leases_held` in a service's /metrics (0 when absent). */
async function leasesHeld(service: RunningService): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith('esm_leases_held{'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('Kinesis mapping in the service process: restarts, crashes and two replicas', () => {
  let fixture: KinesisFixture;
  const started: RunningService[] = [];
  const dir = mkdtempSync(join(tmpdir(), 't-kinesis-'));

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.stop('SIGKILL')));
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  function config(streamArn: string, keyPrefix: string): string {
    return [
      'functions:',
      `  recorder: { handler: "${fixtureHandler('record.mjs')}", timeout: 10 }`,
      'eventSourceMappings:',
      `  - { FunctionName: recorder, EventSourceArn: "${streamArn}", StartingPosition: TRIM_HORIZON, BatchSize: ${BATCH_SIZE} }`,
      `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
      'streams: { idlePollIntervalMs: 100 }',
      'shutdown: { drainTimeoutSeconds: 5 }',
      'log: { level: info }',
    ].join('\n');
  }

  async function start(streamArn: string, keyPrefix: string, recordFile: string): Promise<RunningService> {
    const service = await startService({ config: config(streamArn, keyPrefix), servers, env: { ESM_TEST_RECORD_FILE: recordFile } });
    started.push(service);
    return service;
  }

  const batch = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ data: `${prefix}-${i}`, key: `key-${i}` }));

  it('resumes from the checkpoint after SIGTERM (no re-delivery) and after SIGKILL (at most the batch in flight again)', async () => {
    const stream = await fixture.createStream(2);
    const keyPrefix = uniqueName('t-svc');
    const files = [1, 2, 3].map((n) => join(dir, `${keyPrefix}-${n}.jsonl`));
    await fixture.put(stream.arn, batch('a', 20));

    const first = await start(stream.arn, keyPrefix, files[0]!);
    await waitFor(() => delivered(files[0]!).length >= 20, { message: 'first records not delivered', timeoutMs: 30_000 });
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.logs).toContainEqual(expect.objectContaining({ msg: 'shard_consumer_stopped', reason: 'shutting_down' }));

    await fixture.put(stream.arn, batch('b', 20));
    const second = await start(stream.arn, keyPrefix, files[1]!);
    await waitFor(() => delivered(files[1]!).length >= 20, { message: 'records after SIGTERM not delivered', timeoutMs: 30_000 });
    expect(delivered(files[1]!).map((record) => record.data).sort()).toEqual(batch('b', 20).map((record) => record.data).sort());

    // Crash while records are flowing: the next process re-delivers at most what was in flight per shard.
    const cPut = fixture.put(stream.arn, batch('c', 20));
    await waitFor(() => delivered(files[1]!).some((record) => record.data.startsWith('c-')), { message: 'c records not started', timeoutMs: 30_000 });
    second.kill();
    await second.exited;
    await cPut;
    await fixture.put(stream.arn, batch('d', 20));
    await start(stream.arn, keyPrefix, files[2]!);
    const wanted = [...batch('c', 20), ...batch('d', 20)].map((record) => record.data);
    await waitFor(
      () => {
        const seen = new Set([...delivered(files[1]!), ...delivered(files[2]!)].map((record) => record.data));
        return wanted.every((data) => seen.has(data));
      },
      { message: 'records lost across SIGKILL', timeoutMs: 40_000 },
    );
    const again = delivered(files[2]!).filter((record) => delivered(files[1]!).some((before) => before.data === record.data));
    expect(again.length).toBeLessThanOrEqual(BATCH_SIZE * 2);
    expect(delivered(files[2]!).some((record) => record.data.startsWith('a-') || record.data.startsWith('b-'))).toBe(false);
  });

  it('two processes share the shards, one per shard at a time, and the survivor takes over a killed one', async () => {
    const stream = await fixture.createStream(2);
    const keyPrefix = uniqueName('t-pair');
    const [fileA, fileB] = ['a', 'b'].map((n) => join(dir, `${keyPrefix}-${n}.jsonl`)) as [string, string];
    const a = await start(stream.arn, keyPrefix, fileA);
    const b = await start(stream.arn, keyPrefix, fileB);
    await waitFor(async () => (await leasesHeld(a)) === 1 && (await leasesHeld(b)) === 1, { message: 'shards not shared', timeoutMs: 30_000 });

    await fixture.put(stream.arn, batch('one', 20));
    await waitFor(() => delivered(fileA).length + delivered(fileB).length >= 20, { message: 'records not delivered', timeoutMs: 30_000 });
    const shardsOf = (file: string) => new Set(delivered(file).map((record) => record.shardId));
    expect(shardsOf(fileA).size).toBe(1);
    expect(shardsOf(fileB).size).toBe(1);
    expect([...shardsOf(fileA)][0]).not.toBe([...shardsOf(fileB)][0]);

    a.kill();
    await a.exited;
    await fixture.put(stream.arn, batch('two', 20));
    await waitFor(() => delivered(fileB).filter((record) => record.data.startsWith('two-')).length >= 20, {
      message: 'survivor did not take over',
      timeoutMs: 40_000,
    });
    expect(await leasesHeld(b)).toBe(2);
    expect(b.logs).toContainEqual(expect.objectContaining({ msg: 'lease_taken' }));
  });
});
