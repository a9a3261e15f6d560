import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { runCli, startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { KinesisFixture } from '../kinesis/kinesis-fixture.js';
import { SqsTestBed, type TestQueue } from '../sqs/sqs-test-bed.js';
import type { JournalEntry } from '../../../src/journal/journal-entry.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('wait until idle', () => {
  let kinesis: KinesisFixture;
  let bed: SqsTestBed;
  let service: RunningService;
  let steadyStream: { arn: string };
  let blockedStream: { arn: string };
  let queue: TestQueue;

  beforeAll(async () => {
    kinesis = new KinesisFixture(servers, clients.kinesis);
    bed = new SqsTestBed(servers);
    [steadyStream, blockedStream, queue] = await Promise.all([kinesis.createStream(2), kinesis.createStream(1), bed.createQueue('idle')]);
    service = await startService({
      servers,
      config: [
        'functions:',
        // Every invocation takes 300 ms: a wait that answered early would see records not processed yet.
        `  steady: { handler: "${fixtureHandler('echo.mjs')}", faults: { latencyMs: 300 } }`,
        `  blocked: { handler: "${fixtureHandler('echo.mjs')}", timeout: 60 }`,
        `  queued: { handler: "${fixtureHandler('echo.mjs')}", faults: { latencyMs: 200 } }`,
        'eventSourceMappings:',
        `  - { FunctionName: steady, EventSourceArn: "${steadyStream.arn}", StartingPosition: TRIM_HORIZON, BatchSize: 2 }`,
        `  - { FunctionName: blocked, EventSourceArn: "${blockedStream.arn}", StartingPosition: TRIM_HORIZON }`,
        `  - { FunctionName: queued, EventSourceArn: "${queue.arn}", BatchSize: 1 }`,
        `redis: { url: "${servers.redisUrl}", keyPrefix: ${uniqueName('idle')} }`,
        'streams: { idlePollIntervalMs: 100 }',
        'shutdown: { drainTimeoutSeconds: 1 }',
      ].join('\n'),
    });
  });

  afterAll(async () => {
    await service?.stop();
    await kinesis?.close();
    await bed?.close();
    clients.destroy();
  });

  const waitIdle = (query: string) => fetch(`${service.url}/_esm/wait-idle?${query}`, { method: 'POST' });
  async function journal(functionName: string): Promise<JournalEntry[]> {
    const body = (await (await fetch(`${service.url}/_esm/invocations?limit=1000`)).json()) as { Invocations: JournalEntry[] };
    return body.Invocations.filter((entry) => entry.FunctionName === functionName);
  }

  it('answers 200 only once the last record of every shard was processed', async () => {
    const put = await kinesis.put(
      steadyStream.arn,
      Array.from({ length: 8 }, (_, index) => ({ data: `{"n":${index}}`, key: `key-${index}` })),
    );
    const response = await waitIdle('FunctionName=steady&timeoutMs=30000');
    const processed = (await journal('steady')).filter((entry) => entry.next === 'checkpointed').flatMap((entry) => entry.batch.items.map((item) => item.id));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ idle: true, pendingDeliveries: 0, mappings: [{ FunctionName: 'steady', pending: [] }] });
    expect(processed.sort()).toEqual(put.map((record) => record.sequenceNumber).sort());
  });

  it('answers 200 once an SQS queue has no visible or in-flight message left', async () => {
    await bed.send(queue, ['a', 'b', 'c']);
    const response = await waitIdle('FunctionName=queued&timeoutMs=30000');
    expect(response.status).toBe(200);
    const attributes = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    expect((await journal('queued')).filter((entry) => entry.next === 'deleted')).toHaveLength(3);
  });

  it('answers 408 naming the pending shard while a function is blocked; the CLI exits 1, then 0', async () => {
    const faults = `${service.url}/_esm/functions/blocked/faults`;
    expect((await fetch(faults, { method: 'PUT', body: JSON.stringify({ latencyMs: 8_000, count: 1 }) })).status).toBe(200);
    const [record] = await kinesis.put(blockedStream.arn, [{ data: '{"stuck":true}', key: 'k' }]);

    const response = await waitIdle('FunctionName=blocked&timeoutMs=1000');
    expect(response.status).toBe(408);
    const body = await response.json();
    expect(body).toMatchObject({
      idle: false,
      mappings: [{ FunctionName: 'blocked', pending: [{ shardId: record!.shardId, reason: expect.stringMatching(/in flight|not read up to the tip/) }] }],
    });
    expect(body.message).toContain(`shard ${record!.shardId}`);

    const notIdle = await runCli(['wait-idle', '--endpoint', service.url, '--function-name', 'blocked', '--timeout-ms', '500']);
    expect(notIdle.code).toBe(1);
    expect(notIdle.stdout).toContain(record!.shardId);

    // The blocked invocation ends after its 8 s; then the whole service is idle.
    const idle = await runCli(['wait-idle', '--endpoint', service.url, '--timeout-ms', '20000']);
    expect(idle.stdout).toContain('idle');
    expect(idle.code).toBe(0);
    expect((await journal('blocked')).map((entry) => [entry.batch.items[0]!.id, entry.injectedFault, entry.next])).toEqual([[record!.sequenceNumber, 'latency', 'checkpointed']]);
  });

  it('refuses a bad timeout and an unknown UUID', async () => {
    expect((await waitIdle('timeoutMs=soon')).status).toBe(400);
    expect((await waitIdle('UUID=00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});
