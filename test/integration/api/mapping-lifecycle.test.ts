import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients, TEST_CREDENTIALS, type TestClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { waitForActive } from '../kinesis/kinesis-fixture.js';

const servers = inject('servers');

interface Invocation {
  Records: { kinesis: { data: string } }[];
}

function invocations(file: string): Invocation[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Invocation);
}

const dataOf = (invocation: Invocation) => invocation.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString());

/**
 * A mapping's whole life through the Lambda API of two replicas sharing one store: what one replica is told,
 * both apply.
 */
describe('event source mapping lifecycle across two replicas, driven by @aws-sdk/client-lambda', () => {
  let clients: TestClients;
  const dir = mkdtempSync(join(tmpdir(), 'esm-lifecycle-'));
  const keyPrefix = uniqueName('t-life');
  const files = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')] as const;
  const replicas: RunningService[] = [];
  const lambdas: LambdaClient[] = [];

  beforeAll(async () => {
    clients = testClients(servers);
    const config = [
      'functions:',
      `  recorder: { handler: "${fixtureHandler('record.mjs')}", timeout: 10 }`,
      `redis: { url: "${servers.redisUrl}", keyPrefix: ${keyPrefix} }`,
      'streams: { idlePollIntervalMs: 100 }',
      'shutdown: { drainTimeoutSeconds: 5 }',
    ].join('\n');
    for (const file of files) {
      const service = await startService({ config, servers, env: { ESM_TEST_RECORD_FILE: file } });
      replicas.push(service);
      lambdas.push(new LambdaClient({ endpoint: service.url, region: servers.region, credentials: TEST_CREDENTIALS, maxAttempts: 1 }));
    }
  });

  afterAll(async () => {
    for (const lambda of lambdas) lambda.destroy();
    await Promise.all(replicas.map((service) => service.stop()));
    clients?.destroy();
  });

  const delivered = () => [...invocations(files[0]), ...invocations(files[1])];
  const stateOnBoth = async (uuid: string) => Promise.all(lambdas.map(async (lambda) => (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State));
  const settledOnBoth = (uuid: string, state: string) => async () => (await stateOnBoth(uuid)).every((s) => s === state);
  const leasesHeld = async () => {
    let held = 0;
    for (const service of replicas) {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      for (const line of text.split('\n')) if (line.startsWith('esm_leases_held{')) held += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return held;
  };

  it('create, update BatchSize, disable, enable and delete: every change applies on both replicas, the checkpoint carries over', async () => {
    const name = uniqueName('t-stream');
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const streamArn = await waitForActive(clients.kinesis, name);
    const put = async (prefix: string, count: number) => {
      await clients.kinesis.send(
        new PutRecordsCommand({ StreamARN: streamArn, Records: Array.from({ length: count }, (_, i) => ({ Data: Buffer.from(`${prefix}-${i}`), PartitionKey: 'k' })) }),
      );
    };
    await put('one', 3);

    const created = await lambdas[0]!.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'recorder', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 1 }),
    );
    expect(created.State).toBe('Creating');
    const uuid = created.UUID!;
    await waitFor(settledOnBoth(uuid, 'Enabled'), { message: 'create not applied on both replicas' });
    await waitFor(() => delivered().flatMap(dataOf).length >= 3, { message: 'first records not delivered' });
    expect(delivered().every((invocation) => invocation.Records.length === 1)).toBe(true);

    // BatchSize changed through the other replica: the next batches are bigger.
    const updated = await lambdas[1]!.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 10 }));
    expect(updated).toMatchObject({ State: 'Updating', BatchSize: 10 });
    await waitFor(settledOnBoth(uuid, 'Enabled'), { message: 'update not applied on both replicas' });
    await put('two', 6);
    await waitFor(() => delivered().flatMap(dataOf).filter((data) => data.startsWith('two-')).length >= 6, { message: 'records after the update not delivered' });
    expect(delivered().some((invocation) => invocation.Records.length > 1)).toBe(true);

    // Disabled: no replica holds the shard any more, so nothing polls it.
    expect((await lambdas[0]!.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }))).State).toBe('Disabling');
    await waitFor(settledOnBoth(uuid, 'Disabled'), { message: 'disable not applied on both replicas' });
    await waitFor(async () => (await leasesHeld()) === 0, { message: 'a replica still holds the shard' });
    const before = delivered().flatMap(dataOf);
    await put('three', 4);

    // Enabled again: polling resumes from the checkpoint — the new records, none of the old ones again.
    expect((await lambdas[1]!.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }))).State).toBe('Enabling');
    await waitFor(settledOnBoth(uuid, 'Enabled'), { message: 'enable not applied on both replicas' });
    await waitFor(() => delivered().flatMap(dataOf).filter((data) => data.startsWith('three-')).length >= 4, { message: 'records after enable not delivered' });
    // Two record files are read one after the other, so what came after the disable is told apart by content.
    const all = delivered().flatMap(dataOf);
    expect(all.filter((data) => !before.includes(data)).sort()).toEqual(['three-0', 'three-1', 'three-2', 'three-3']);
    expect(new Set(all).size).toBe(all.length);

    const deleted = await lambdas[0]!.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    expect(deleted.State).toBe('Deleting');
    for (const lambda of lambdas) {
      await waitFor(
        async () => {
          try {
            await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
            return false;
          } catch (err) {
            return err instanceof ResourceNotFoundException;
          }
        },
        { message: 'the deleted mapping is still found' },
      );
    }
    expect(await leasesHeld()).toBe(0);
  }, 120_000);
});
