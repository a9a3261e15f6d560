import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { serviceEnv, testClients } from '../../harness/aws-clients.js';
import { REPO_ROOT } from '../../harness/repo-root.js';
import { runCli, startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import type { JournalEntry } from '../../../src/journal/journal-entry.js';

const servers = inject('servers');
const clients = testClients(servers);
const EXAMPLES = join(REPO_ROOT, 'examples/templates');

describe('templates as the configuration', () => {
  let service: RunningService | undefined;

  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  /** Starts the service on a template, puts one message, record and item into what it declares, waits until idle. */
  async function runExample(template: string, names: { queue: string; stream: string; table: string }): Promise<JournalEntry[]> {
    service = await startService({
      servers,
      config: [`redis: { keyPrefix: ${uniqueName('template')} }`, 'streams: { idlePollIntervalMs: 100 }', 'shutdown: { drainTimeoutSeconds: 1 }'].join('\n'),
      args: ['--template', template, '--create-resources'],
      readyTimeoutMs: 60_000,
    });
    const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: names.queue }));
    await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ quantity: 2 }) }));
    await clients.kinesis.send(new PutRecordCommand({ StreamName: names.stream, PartitionKey: 'k', Data: Buffer.from('{"click":1}') }));
    await clients.dynamodb.send(new PutItemCommand({ TableName: names.table, Item: { id: { S: 'c-1' } } }));
    const idle = await fetch(`${service.url}/_esm/wait-idle?timeoutMs=30000`, { method: 'POST' });
    expect(idle.status, JSON.stringify(await idle.clone().json())).toBe(200);
    const body = (await (await fetch(`${service.url}/_esm/invocations`)).json()) as { Invocations: JournalEntry[] };
    return body.Invocations;
  }

  it('runs the SAM example unchanged: SQS, Kinesis and DynamoDB events, GetAtt/Ref/Sub/Join, Globals', async () => {
    const journal = await runExample(join(EXAMPLES, 'sam/template.yaml'), { queue: 'template-dev-orders', stream: 'template-dev-clicks', table: 'template-dev-customers' });
    expect(journal.map((entry) => [entry.FunctionName, entry.source, entry.outcome, entry.next]).sort()).toEqual([
      ['ClicksFunction', 'kinesis', 'success', 'checkpointed'],
      ['CustomersFunction', 'dynamodb', 'success', 'checkpointed'],
      ['OrdersFunction', 'sqs', 'success', 'deleted'],
    ]);
    const functions = (await (await fetch(`${service!.url}/2015-03-31/functions`)).json()) as { Functions: { FunctionName: string; Timeout: number; MemorySize: number }[] };
    expect(functions.Functions.map((fn) => [fn.FunctionName, fn.Timeout, fn.MemorySize])).toEqual([
      ['ClicksFunction', 10, 256],
      ['CustomersFunction', 5, 256],
      ['OrdersFunction', 5, 256],
    ]);
    const mappings = (await (await fetch(`${service!.url}/2015-03-31/event-source-mappings`)).json()) as { EventSourceMappings: Record<string, unknown>[] };
    expect(mappings.EventSourceMappings.find((mapping) => mapping.FunctionArn === 'arn:aws:lambda:us-east-1:000000000000:function:ClicksFunction')).toMatchObject({
      EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/template-dev-clicks',
      MaximumRetryAttempts: 2,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:template-dev-orders-dlq' } },
    });
    expect(service!.logs.some((line) => String(line.note).includes('Events.Api: type Api is not an event source mapping'))).toBe(true);
    // Environment variables: the function's over Globals', references resolved.
    const customers = journal.find((entry) => entry.FunctionName === 'CustomersFunction')!;
    expect(JSON.parse(customers.response!)).toEqual({ table: 'template-dev-customers', stage: 'dev', changes: ['INSERT'] });
  });

  it('runs the serverless.yml example unchanged: sqs and stream events, ${self:} and ${sls:stage}', async () => {
    const journal = await runExample(join(EXAMPLES, 'serverless/serverless.yml'), { queue: 'shop-dev-orders', stream: 'shop-dev-clicks', table: 'shop-dev-customers' });
    expect(journal.map((entry) => [entry.FunctionName, entry.source, entry.outcome]).sort()).toEqual([
      ['clicks', 'kinesis', 'success'],
      ['customers', 'dynamodb', 'success'],
      ['orders', 'sqs', 'success'],
    ]);
    const customers = journal.find((entry) => entry.FunctionName === 'customers')!;
    expect(JSON.parse(customers.response!)).toEqual({ table: 'shop-dev-customers', stage: 'dev', changes: ['INSERT'] });
  });

  it('reports what cannot be resolved with the template path of the value, and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't-template-'));
    const file = join(dir, 'template.yaml');
    writeFileSync(join(dir, 'app.mjs'), 'export const handler = async () => null;\n');
    writeFileSync(
      file,
      [
        'Resources:',
        '  Fn:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      Runtime: nodejs20.x',
        '      Handler: app.handler',
        '      Layers: [arn:aws:lambda:us-east-1:000000000000:layer:x:1]',
        '      Events:',
        '        Q:',
        '          Type: SQS',
        '          Properties:',
        '            Queue: !GetAtt Missing.Arn',
        '        S:',
        '          Type: Kinesis',
        '          Properties:',
        "            Stream: !If [IsProd, a, b]",
        '            StartingPosition: LATEST',
        '  Py:',
        '    Type: AWS::Serverless::Function',
        '    Properties: { Runtime: python3.12, Handler: app.handler }',
      ].join('\n'),
    );
    const result = await runCli(['start', '--template', file, '--port', '0'], serviceEnv(servers));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: Resources.Fn.Properties.Events.Q.Properties.Queue: Missing is not a parameter or resource of the template`);
    expect(result.stderr).toContain(`${file}: Resources.Fn.Properties.Events.S.Properties.Stream: Fn::If is not supported (supported: Ref, Fn::GetAtt, Fn::Sub, Fn::Join)`);
    expect(result.stderr).toContain(`${file}: Resources.Fn.Properties.Layers: is not supported for local runs`);
    expect(result.stderr).toContain(`${file}: Resources.Py.Properties.Runtime: "python3.12": only Node.js runtimes (nodejsNN.x) run locally`);
  });
});
