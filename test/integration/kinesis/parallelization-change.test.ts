import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand, GetEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { testClients } from '../../harness/aws-clients.js';
import { createTestStream, kinesisRecordData, type TestStream } from '../../harness/kinesis-stream.js';
import { lambdaClientFor } from '../../harness/lambda-client.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { waitFor } from '../../harness/wait-for.js';

const servers = inject('servers');
const clients = testClients(servers);
const KEYS = Array.from({ length: 12 }, (_, i) => `key-${i}`);

describe('a ParallelizationFactor change through the API', () => {
  let target: RecordingTarget;
  let service: RunningService;
  let lambda: LambdaClient;
  let stream: TestStream;

  beforeAll(async () => {
    stream = await createTestStream(clients.kinesis, 1, 't-factor');
    // Each batch takes a moment, so batches are in flight when the factor changes.
    target = await startRecordingTarget(async () => {
      await delay(30);
      return undefined;
    });
    service = await startService({
      servers,
      config: [
        `functions: { f: { url: "${target.url}" } }`,
        'eventSourceMappings:',
        `  - { FunctionName: f, EventSourceArn: "${stream.arn}", StartingPosition: TRIM_HORIZON, BatchSize: 4, ParallelizationFactor: 1 }`,
      ].join('\n'),
    });
    lambda = lambdaClientFor(service.url);
  });

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
    await target?.close();
    clients.destroy();
  });

  it('drains the lanes and routes again by key: every record delivered, each key in order, batches run in parallel after', async () => {
    const round = (n: number) => KEYS.map((key) => `${key}:${n}`);
    const put = async (n: number) => {
      for (const key of KEYS) await stream.put([`${key}:${n}`], key);
    };
    await put(0);
    await put(1);
    const delivered = () => target.events.flatMap(kinesisRecordData);
    await waitFor(() => delivered().length >= 4, { message: 'nothing delivered before the change' });

    const uuid = (await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: stream.arn }))).EventSourceMappings![0]!.UUID!;
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ParallelizationFactor: 4 }));
    await put(2);
    await put(3);
    await waitFor(async () => (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State === 'Enabled', { message: 'the update never settled' });
    const all = [0, 1, 2, 3].flatMap(round);
    await waitFor(() => all.every((data) => delivered().includes(data)), { message: 'records lost across the factor change', timeoutMs: 30_000 });

    // Per key, the first delivery of each record comes in the order it was written.
    for (const key of KEYS) {
      const firsts = [...new Set(delivered().filter((data) => data.startsWith(`${key}:`)))];
      expect(firsts).toEqual([0, 1, 2, 3].map((n) => `${key}:${n}`));
    }
    // After the change, batches of one shard overlap.
    const afterChange = target.requests.filter((request) => kinesisRecordData(request.event).some((data) => data.endsWith(':3')));
    expect(afterChange.length).toBeGreaterThan(1);
    expect(target.peakConcurrency).toBeGreaterThan(1);
  });
});
