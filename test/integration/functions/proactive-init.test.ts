import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { testClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { createTestStream } from '../../harness/kinesis-stream.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

const servers = inject('servers');
const clients = testClients(servers);

/** The lines record-init.mjs appended: `{init}` when an environment loaded the module, then each event. */
function recorded(file: string): Record<string, unknown>[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) : [];
}

describe('a function whose mapping starts polling', () => {
  let service: RunningService;
  let queueUrl: string;
  let stream: Awaited<ReturnType<typeof createTestStream>>;
  const directory = mkdtempSync(join(tmpdir(), 'esm-init-'));
  const sqsFile = join(directory, 'sqs.jsonl');
  const kinesisFile = join(directory, 'kinesis.jsonl');
  const idleFile = join(directory, 'idle.jsonl');

  beforeAll(async () => {
    queueUrl = (await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-init') }))).QueueUrl!;
    const queueArn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    stream = await createTestStream(clients.kinesis, 1, 't-init');
    const fn = (file: string) => `{ handler: "${fixtureHandler('record-init.mjs')}", environment: { ESM_TEST_RECORD_FILE: "${file}" } }`;
    service = await startService({
      servers,
      config: [
        'functions:',
        `  fromQueue: ${fn(sqsFile)}`,
        `  fromStream: ${fn(kinesisFile)}`,
        `  noMapping: ${fn(idleFile)}`,
        'eventSourceMappings:',
        `  - { FunctionName: fromQueue, EventSourceArn: "${queueArn}", BatchSize: 1 }`,
        `  - { FunctionName: fromStream, EventSourceArn: "${stream.arn}", StartingPosition: TRIM_HORIZON, BatchSize: 1 }`,
      ].join('\n'),
    });
  });

  afterAll(async () => {
    await service?.stop();
    clients.destroy();
  });

  it('has its module loaded before the first record comes, in the environment that then runs that record', async () => {
    // Nothing was sent yet: each polled function's environment was initialised ahead, as Lambda may do.
    await waitFor(() => recorded(sqsFile).length === 1 && recorded(kinesisFile).length === 1, { timeoutMs: 15_000, message: 'both modules loaded' });
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'first' }));
    await stream.put(['first']);
    const sqsLines = await waitFor(() => (recorded(sqsFile).length === 2 ? recorded(sqsFile) : undefined), { timeoutMs: 15_000, message: 'the SQS event' });
    const kinesisLines = await waitFor(() => (recorded(kinesisFile).length === 2 ? recorded(kinesisFile) : undefined), { timeoutMs: 15_000, message: 'the Kinesis event' });
    // The record ran in the environment loaded ahead: no second init line before it.
    expect(Object.keys(sqsLines[0]!)).toEqual(['init']);
    expect(sqsLines[1]).toHaveProperty('Records');
    expect(Object.keys(kinesisLines[0]!)).toEqual(['init']);
    expect(kinesisLines[1]).toHaveProperty('Records');
    // A function no mapping polls loads its module at its first invocation only.
    expect(recorded(idleFile)).toEqual([]);
  });
});
