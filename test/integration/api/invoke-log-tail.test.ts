import { InvokeCommand, ResourceNotFoundException, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureHandler } from '../../harness/fixtures.js';
import { lambdaClientFor } from '../../harness/lambda-client.js';
import { startService, type RunningService } from '../../harness/service-process.js';

const servers = inject('servers');
const decode = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

describe('Invoke API: log tail, client context and function ARNs', () => {
  let service: RunningService;
  let lambda: LambdaClient;

  beforeAll(async () => {
    service = await startService({
      servers,
      config: [
        'functions:',
        `  logs: { handler: "${fixtureHandler('log.mjs')}" }`,
        `  verbose: { handler: "${fixtureHandler('log.mjs', 'verbose')}" }`,
        `  context: { handler: "${fixtureHandler('context.mjs')}" }`,
      ].join('\n'),
    });
    lambda = lambdaClientFor(service.url);
  });

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
  });

  it('returns the log of the invocation in X-Amz-Log-Result with LogType Tail', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'logs', LogType: 'Tail', Payload: Buffer.from('{"n":3}') }));

    const requestId = response.$metadata.requestId!;
    const log = Buffer.from(response.LogResult!, 'base64').toString('utf8');
    expect(log.startsWith(`START RequestId: ${requestId} Version: $LATEST\n`)).toBe(true);
    expect(log).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${requestId}\\tINFO\\thello from the handler \\{ n: 3 \\}$`, 'm'));
    expect(log).toMatch(new RegExp(`\\t${requestId}\\tERROR\\tan error line$`, 'm'));
    expect(log).toMatch(new RegExp(`END RequestId: ${requestId}\\nREPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\t\\n$`));
    expect(decode(response.Payload)).toEqual({ logged: true });

    const untailed = await lambda.send(new InvokeCommand({ FunctionName: 'logs', Payload: Buffer.from('{}') }));
    expect(untailed.LogResult).toBeUndefined();
  });

  it('keeps only the last 4 KB of a long log', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'verbose', LogType: 'Tail', Payload: Buffer.from('{"lines":200}') }));

    const log = Buffer.from(response.LogResult!, 'base64');
    expect(log.length).toBeLessThanOrEqual(4096);
    expect(log.length).toBeGreaterThan(4000);
    const text = log.toString('utf8');
    expect(text).toContain('line 00199 ');
    expect(text).not.toContain('line 00000 ');
    expect(text).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration/);
  });

  it('hands the client context to the handler and refuses one over 3583 bytes', async () => {
    const clientContext = { client: { installation_id: 'abc' }, custom: { tenant: 't-1' } };
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'context', ClientContext: base64(clientContext), Payload: Buffer.from('{}') }));
    expect(decode(response.Payload).clientContext).toEqual(clientContext);

    const tooBig = base64({ custom: { blob: 'x'.repeat(2_700) } });
    expect(tooBig.length).toBeGreaterThan(3583);
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'context', ClientContext: tooBig, Payload: Buffer.from('{}') })).catch((err: unknown) => err);
    expect((error as Error).name).toBe('InvalidParameterValueException');
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);

    const notJson = await fetch(`${service.url}/2015-03-31/functions/context/invocations`, { method: 'POST', body: '{}', headers: { 'X-Amz-Client-Context': 'bm90IGpzb24=' } });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
  });

  it('answers ResourceNotFoundException for the function ARN of another region or account', async () => {
    for (const arn of ['arn:aws:lambda:eu-west-1:000000000000:function:logs', 'arn:aws:lambda:us-east-1:123456789012:function:logs', '123456789012:function:logs']) {
      const error = await lambda.send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from('{}') })).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect((error as Error).message).toMatch(/^Function not found: arn:aws:lambda:(eu-west-1|us-east-1):(000000000000|123456789012):function:logs$/);
    }
    const local = await lambda.send(new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:logs', Payload: Buffer.from('{}') }));
    expect(local.StatusCode).toBe(200);
  });
});
