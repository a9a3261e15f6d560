import { describe, expect, inject, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, runCli, startService } from '../../harness/service-process.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../harness/free-port.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { waitFor } from '../../harness/wait-for.js';
import { serviceEnv } from '../../harness/aws-clients.js';

const servers = inject('servers');

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'esm-cli-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

describe('esm-poller CLI', () => {
  it('documents commands, flags and environment variables in --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const word of ['start', 'validate', '--config', '--port', 'REDIS_URL', 'AWS_ENDPOINT_URL_<SERVICE>', 'SIGTERM']) {
      expect(stdout).toContain(word);
    }
  });

  it('validate prints every problem with path, value and range, and exits 1', async () => {
    const file = configFile(
      [
        'functions: { f: { url: "http://127.0.0.1:1/f", timeout: 0 } }',
        'eventSourceMappings:',
        '  - { FunctionName: f, EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:q" }',
        '  - { FunctionName: f, EventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", StartingPosition: LATEST, BatchSize: 20000 }',
      ].join('\n'),
    );
    const { code, stderr } = await runCli(['validate', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('functions.f.timeout: 0 is out of range 1..900');
    expect(stderr).toContain('eventSourceMappings[1].BatchSize: 20000 is out of range 1..10000 for Kinesis');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('validate accepts a good file and exits 0', async () => {
    const { code, stdout } = await runCli(['validate', 'config/local.yaml']);
    expect(code).toBe(0);
    expect(stdout).toContain('valid (2 functions, 2 event source mappings)');
  });

  it('start with a bad configuration exits 1 with the message and no stack trace', async () => {
    const file = configFile('server: { port: "high" }\n');
    const { code, stderr } = await runCli(['start', '--config', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('server.port: "high" is not an integer');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('start with a missing file exits 1 naming the file', async () => {
    const { code, stderr } = await runCli(['start', '--config', '/nonexistent/esm.yaml']);
    expect(code).toBe(1);
    expect(stderr).toContain('/nonexistent/esm.yaml');
  });

  it('start refuses a mapping whose queue does not exist: exit 1 with AWS\'s message', async () => {
    const file = configFile(
      [
        'functions: { f: { url: "http://127.0.0.1:1/f" } }',
        'eventSourceMappings:',
        '  - { FunctionName: f, EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:no-such-queue-for-cli" }',
      ].join('\n'),
    );
    const { code, stderr, stdout } = await runCli(['start', '--config', file, '--port', '0'], serviceEnv(servers));
    expect(code).toBe(1);
    expect(stderr).toContain(
      'eventSourceMappings[0] (arn:aws:sqs:us-east-1:000000000000:no-such-queue-for-cli): InvalidParameterValueException: Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
    );
    expect(stdout).toContain('"msg":"mapping_rejected"');
  });

  it('an unknown command is a usage error (exit 2)', async () => {
    const { code, stderr } = await runCli(['launch']);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown command: launch');
  });

  it('SIGTERM while Redis is unreachable still stops the service and exits 0', async () => {
    const deadRedisPort = await freePort();
    const file = configFile(`redis: { url: "redis://127.0.0.1:${deadRedisPort}" }\nserver: { port: 0 }\n`);
    const child = spawn(process.execPath, [CLI_PATH, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => output.includes('"msg":"redis_error"'), { message: 'the service never tried Redis' });
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(output).toContain('"msg":"service_stopped"');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('SIGTERM lets an in-flight invocation finish, then exits 0', async () => {
    const service = await startService({
      servers,
      config: `functions:\n  slow: { handler: "${fixtureHandler('slow.mjs')}", timeout: 10 }\nshutdown: { drainTimeoutSeconds: 10 }\n`,
    });
    const lambda = new LambdaClient({ endpoint: service.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      const pending = lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from(JSON.stringify({ delayMs: 1500, value: 42 })) }));
      await waitFor(async () => (await (await fetch(`${service.url}/metrics`)).text()).includes('esm_function_concurrent_executions{function="slow"} 1'));
      const exit = service.stop('SIGTERM', 15_000);
      const response = await pending;
      expect(response.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(response.Payload!).toString())).toMatchObject({ value: 42 });
      const code = await exit;
      expect(code).toBe(0);
      expect(service.logs.some((line) => line.msg === 'signal_received' && line.signal === 'SIGTERM')).toBe(true);
      expect(service.logs.some((line) => line.msg === 'service_stopped')).toBe(true);
    } finally {
      lambda.destroy();
      service.kill();
    }
  });
});
