import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { testClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';

const servers = inject('servers');
const clients = testClients(servers);

interface SqsEvent {
  Records: { messageId: string; attributes: { ApproximateReceiveCount: string } }[];
}

describe('an SQS message whose function starts cold', () => {
  let service: RunningService;
  let queueUrl: string;
  let queueArn: string;
  const recordFile = join(mkdtempSync(join(tmpdir(), 'esm-cold-')), 'events.jsonl');

  beforeAll(async () => {
    // The queue hides a message for 2 s, the function may run 2 s: allowed, as on AWS. Its module takes 3 s to load.
    const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-cold'), Attributes: { VisibilityTimeout: '2' } }));
    queueUrl = created.QueueUrl!;
    const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    queueArn = attributes.Attributes!.QueueArn!;
    service = await startService({
      servers,
      config: [
        'functions:',
        `  cold: { handler: "${fixtureHandler('slow-init-record.mjs')}", timeout: 2, environment: { ESM_TEST_INIT_MS: "3000", ESM_TEST_RECORD_FILE: "${recordFile}" } }`,
        'eventSourceMappings:',
        `  - { FunctionName: cold, EventSourceArn: "${queueArn}", BatchSize: 1 }`,
      ].join('\n'),
    });
  });

  afterAll(async () => {
    await service?.stop();
    clients.destroy();
  });

  it('stays hidden through the cold start and the run: delivered once, on its first receive', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'cold start' }));
    const idle = await fetch(`${service.url}/_esm/wait-idle?FunctionName=cold&timeoutMs=30000`, { method: 'POST' });
    expect(idle.status).toBe(200);
    const events = existsSync(recordFile)
      ? readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as SqsEvent)
      : [];
    const records = events.flatMap((event) => event.Records);
    expect(records).toHaveLength(1);
    expect(records[0]!.attributes.ApproximateReceiveCount).toBe('1');
  });
});
