import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { testClients } from '../../harness/aws-clients.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startRedisCluster, startRedisSentinelGroup } from '../../harness/redis-topologies.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { createTestStream, kinesisRecordData } from '../../harness/kinesis-stream.js';

const servers = inject('servers');
const clients = testClients(servers);

const dataOf = kinesisRecordData;

/** A Kinesis stream, an SQS on-failure destination, and a function that fails on `poison`. */
async function kinesisMappingWithDestination(target: RecordingTarget) {
  const stream = await createTestStream(clients.kinesis, 2, 't-topology');
  const streamArn = stream.arn;
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-topology-dlq') }));
  const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const mappingYaml = [
    `functions: { f: { url: "${target.url}" } }`,
    'eventSourceMappings:',
    `  - FunctionName: f`,
    `    EventSourceArn: "${streamArn}"`,
    '    StartingPosition: TRIM_HORIZON',
    '    BatchSize: 1',
    '    MaximumRetryAttempts: 0',
    `    DestinationConfig: { OnFailure: { Destination: "${attributes.Attributes!.QueueArn!}" } }`,
  ].join('\n');
  const put = (...data: string[]) => stream.put(data);
  const failureRecord = async () =>
    (await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }))).Messages?.[0]?.Body;
  return { mappingYaml, put, failureRecord };
}

function failOnPoison(): Promise<RecordingTarget> {
  return startRecordingTarget((event) => (dataOf(event).includes('poison') ? { status: 500, body: { message: 'poison' } } : undefined));
}

describe('Redis Cluster', () => {
  let target: RecordingTarget | undefined;
  let service: RunningService | undefined;
  let cluster: Awaited<ReturnType<typeof startRedisCluster>> | undefined;

  afterAll(async () => {
    await service?.stop();
    await target?.close();
    await cluster?.stop();
  });

  it('runs a stream mapping, its leases, checkpoints and failure records on a 3-node Cluster, and purges every node on delete', async () => {
    cluster = await startRedisCluster(3);
    target = await failOnPoison();
    const stream = await kinesisMappingWithDestination(target);
    service = await startService({
      servers,
      config: [stream.mappingYaml, 'redis:', `  cluster: { nodes: [${cluster.addresses.map((a) => `"${a}"`).join(', ')}] }`].join('\n'),
    });
    await stream.put('ok-1', 'poison', 'ok-2');
    const delivered = () => target!.events.flatMap(dataOf);
    await waitFor(() => delivered().includes('ok-1') && delivered().includes('ok-2'), { message: 'records not delivered' });
    const body = await waitFor(stream.failureRecord, { message: 'no failure record reached the destination', timeoutMs: 30_000 });
    expect(JSON.parse(body!)).toMatchObject({ requestContext: { condition: 'RetryAttemptsExhausted' } });

    // Keys of the mapping (one hash slot) and of the queue (another) live on the Cluster's nodes.
    const listed = (await (await fetch(`${service.url}/2015-03-31/event-source-mappings`)).json()) as { EventSourceMappings: { UUID: string }[] };
    const uuid = listed.EventSourceMappings[0]!.UUID;
    const keysOfMapping = async () => {
      let count = 0;
      for (const node of cluster!.nodes) {
        const admin = new Redis(node.url);
        count += (await admin.keys(`*{${uuid}}*`)).length;
        admin.disconnect();
      }
      return count;
    };
    expect(await keysOfMapping()).toBeGreaterThan(0);
    const deleted = await fetch(`${service.url}/2015-03-31/event-source-mappings/${uuid}`, { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    await waitFor(async () => (await keysOfMapping()) === 0, { message: 'keys of the deleted mapping are left on some node' });
  });
});

describe('Redis with Sentinel', () => {
  let target: RecordingTarget | undefined;
  let service: RunningService | undefined;
  let group: Awaited<ReturnType<typeof startRedisSentinelGroup>> | undefined;

  afterAll(async () => {
    await service?.stop();
    await target?.close();
    await group?.stop();
  });

  it('finds the primary through Sentinel, waits for the replica on failure records, and carries on after a failover', async () => {
    group = await startRedisSentinelGroup();
    target = await failOnPoison();
    const stream = await kinesisMappingWithDestination(target);
    service = await startService({
      servers,
      // The URL names no server that is up: only the Sentinel says where the primary is.
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      config: [
        stream.mappingYaml,
        'redis:',
        `  sentinel: { name: ${group.name}, nodes: ["${group.sentinelAddress}"] }`,
        '  waitForReplicas: 1',
      ].join('\n'),
    });
    await stream.put('before-1', 'poison');
    const delivered = () => target!.events.flatMap(dataOf);
    await waitFor(() => delivered().includes('before-1'), { message: 'records not delivered' });
    await waitFor(stream.failureRecord, { message: 'no failure record reached the destination', timeoutMs: 30_000 });

    // A planned failover: the replica becomes the primary, the old primary its replica.
    const sentinel = new Redis(group.sentinel.url);
    try {
      await sentinel.call('SENTINEL', 'FAILOVER', group.name);
      await waitFor(async () => (await group!.primaryPort()) === group!.replica.port, { message: 'Sentinel did not fail over', timeoutMs: 30_000 });
    } finally {
      sentinel.disconnect();
    }
    await stream.put('after-1', 'after-2');
    await waitFor(() => delivered().includes('after-1') && delivered().includes('after-2'), {
      message: 'records put after the failover were not delivered',
      timeoutMs: 45_000,
    });
    // Checkpoints written before the failover were on the replica: nothing before it is delivered again.
    expect(delivered().filter((data) => data === 'before-1')).toHaveLength(1);
  });
});
