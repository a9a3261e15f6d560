import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startService, type RunningService } from '../../harness/service-process.js';
import { fixtureHandler } from '../../harness/fixtures.js';

const servers = inject('servers');
const decode = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));

// One esm-poller serves as the Lambda endpoint of another: the second reaches the first's functions through
// an `arn:` target and @aws-sdk/client-lambda, configured only by AWS_ENDPOINT_URL_LAMBDA.
describe('arn: function target through a second esm-poller', () => {
  let backend: RunningService;
  let front: RunningService;
  let lambda: LambdaClient;

  beforeAll(async () => {
    backend = await startService({
      servers,
      config: [
        'functions:',
        `  echo: { handler: "${fixtureHandler('echo.mjs')}" }`,
        `  fails: { handler: "${fixtureHandler('throw.mjs')}" }`,
        `  busy: { handler: "${fixtureHandler('echo.mjs')}", reservedConcurrency: 0 }`,
      ].join('\n'),
    });
    front = await startService({
      servers,
      env: { AWS_ENDPOINT_URL_LAMBDA: backend.url },
      config: [
        'functions:',
        '  remote-echo: { arn: "arn:aws:lambda:us-east-1:000000000000:function:echo" }',
        '  remote-fails: { arn: "arn:aws:lambda:us-east-1:000000000000:function:fails:$LATEST" }',
        '  remote-busy: { arn: "arn:aws:lambda:us-east-1:000000000000:function:busy" }',
        '  remote-missing: { arn: "arn:aws:lambda:us-east-1:000000000000:function:missing" }',
      ].join('\n'),
    });
    lambda = new LambdaClient({ endpoint: front.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  afterAll(async () => {
    lambda?.destroy();
    await front?.stop();
    await backend?.stop();
  });

  it('passes the result of the remote function through', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'remote-echo', Payload: Buffer.from('{"n":1}') }));
    expect(response.FunctionError).toBeUndefined();
    expect(decode(response.Payload)).toEqual({ n: 1 });
  });

  it('passes a remote function error through as a function error', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'remote-fails', Payload: Buffer.from('{}') }));
    expect(response.FunctionError).toBe('Unhandled');
    expect(typeof decode(response.Payload).errorMessage).toBe('string');
  });

  it('maps a remote throttle to a throttle', async () => {
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'remote-busy', Payload: Buffer.from('{}') })).catch((err: unknown) => err);
    expect((error as Error).name).toBe('TooManyRequestsException');
  });

  it('maps an unknown remote function to an invoke error (the function never ran)', async () => {
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'remote-missing', Payload: Buffer.from('{}') })).catch((err: unknown) => err);
    expect((error as Error).name).toBe('ServiceException');
    expect((error as Error).message).toContain('Function not found');
    const metrics = await (await fetch(`${front.url}/metrics`)).text();
    expect(metrics).toMatch(/^esm_function_invocations_total\{function="remote-missing",outcome="invoke_error"\} 1$/m);
  });
});
