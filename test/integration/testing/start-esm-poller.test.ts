import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, startEsmPoller, type StartEsmPollerOptions } from '../../../src/testing/index.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { serviceEnv, testClients } from '../../harness/aws-clients.js';
import { uniqueName } from '../../harness/unique-name.js';

const servers = inject('servers');

describe('startEsmPoller', () => {
  const redis = new Redis(servers.redisUrl);

  afterAll(() => {
    redis.disconnect();
  });

  it('starts the service in-process, serves the API and removes a throwaway prefix at stop', async () => {
    const poller = await startEsmPoller({ redisUrl: servers.redisUrl, config: { functions: { echo: { handler: fixtureHandler('echo.mjs') } } } });
    expect(poller.keyPrefix).toMatch(/^esm-test-[0-9a-f-]{36}$/);
    expect(await poller.faults('echo').set({ errorRate: 1 })).toMatchObject({ errorRate: 1 });
    expect((await fetch(`${poller.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{}' })).headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await poller.waitIdle()).toMatchObject({ idle: true, mappings: [] });
    expect(await poller.journal()).toEqual([]);
    expect((await redis.keys(`${poller.keyPrefix}:*`)).length).toBeGreaterThan(0);
    await poller.stop();
    await poller.stop();
    expect(await redis.keys(`${poller.keyPrefix}:*`)).toEqual([]);
  });

  it('reports configuration problems as the file would, and refuses options it does not know', async () => {
    const bad = startEsmPoller({ redisUrl: servers.redisUrl, config: { functions: { f: { handler: './missing.mjs', timeout: 0 } } } });
    await expect(bad).rejects.toBeInstanceOf(ConfigError);
    await expect(bad).rejects.toThrow(/functions\.f\.handler: '\.\/missing\.mjs' resolves to .*, which does not exist/);
    const template = { config: {}, template: 'template.yaml' } as unknown as StartEsmPollerOptions;
    await expect(startEsmPoller(template)).rejects.toThrow("startEsmPoller: option 'template' is not supported");
    await expect(startEsmPoller({ config: {}, createResources: true })).rejects.toThrow('createResources needs templates');
  });

  it('takes templates beside the configuration object', async () => {
    const clients = testClients(servers);
    const dir = mkdtempSync(join(tmpdir(), 't-lib-template-'));
    const queueName = uniqueName('lib-orders');
    writeFileSync(join(dir, 'app.mjs'), 'export const handler = async (event) => ({ n: event.Records.length });\n');
    writeFileSync(
      join(dir, 'template.yaml'),
      [
        'Resources:',
        '  Orders: { Type: AWS::SQS::Queue, Properties: { QueueName: ' + queueName + ' } }',
        '  App:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      Runtime: nodejs20.x',
        '      Handler: app.handler',
        '      Events: { Q: { Type: SQS, Properties: { Queue: !GetAtt Orders.Arn } } }',
      ].join('\n'),
    );
    const poller = await startEsmPoller({ redisUrl: servers.redisUrl, env: { ...process.env, ...serviceEnv(servers) }, config: {}, templates: [join(dir, 'template.yaml')], createResources: true });
    try {
      const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
      await poller.waitIdle({ timeoutMs: 10_000 });
      expect((await poller.journal()).map((entry) => [entry.FunctionName, entry.response, entry.next])).toEqual([['App', '{"n":1}', 'deleted']]);
    } finally {
      await poller.stop();
      clients.destroy();
    }
  });
});
