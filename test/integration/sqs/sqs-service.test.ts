import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceEnv } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { runCli, startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed } from './sqs-test-bed.js';

const servers = inject('servers');

/** The value of `name{…labels…}` in a Prometheus text exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('SQS mapping through the service (config file, CLI, /metrics)', () => {
  let bed: SqsTestBed;
  let service: RunningService | undefined;

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await service?.stop();
    await bed?.close();
  });

  it('polls a configured queue, deletes what the handler processed and exports the metrics', async () => {
    const queue = await bed.createQueue('service');
    const functionName = uniqueName('svc-fn');
    service = await startService({
      servers,
      config: [
        'functions:',
        `  ${functionName}: { handler: "${fixtureHandler('echo.mjs')}", timeout: 3 }`,
        'eventSourceMappings:',
        `  - FunctionName: ${functionName}`,
        `    EventSourceArn: ${queue.arn}`,
        '    BatchSize: 5',
        'redis:',
        `  url: ${servers.redisUrl}`,
        `  keyPrefix: ${uniqueName('svc')}`,
        'log: { level: debug }',
      ].join('\n'),
    });
    await bed.send(queue, Array.from({ length: 12 }, (_, index) => `message ${index}`));
    await bed.waitEmpty(queue);
    const labels = { function: functionName, source: 'sqs' };
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${service!.url}/metrics`)).text();
      return sample(text, 'esm_deleted_events_total', labels) === 12 ? text : undefined;
    });
    expect(sample(metrics, 'esm_polled_events_total', labels)).toBe(12);
    expect(sample(metrics, 'esm_invoked_events_total', labels)).toBe(12);
    expect(sample(metrics, 'esm_failed_invoke_events_total', labels)).toBe(0);
    expect(sample(metrics, 'esm_batch_size_sum', labels)).toBe(12);
    expect(sample(metrics, 'esm_pollers', labels)).toBeGreaterThan(0);
    expect(metrics).toMatch(/esm_invocation_duration_seconds_count\{[^}]*outcome="success"[^}]*\} \d+/);
    const code = await service.stop('SIGTERM');
    expect(code).toBe(0);
    expect(service.logs.some((line) => line.msg === 'sqs_poller_stopped')).toBe(true);
  });

  it("refuses to start with a mapping on an unknown queue, printing AWS's message", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-sqs-'));
    const config = join(dir, 'config.yaml');
    const functionName = uniqueName('svc-fn');
    writeFileSync(
      config,
      [
        'functions:',
        `  ${functionName}: { handler: "${fixtureHandler('echo.mjs')}" }`,
        'eventSourceMappings:',
        `  - FunctionName: ${functionName}`,
        `    EventSourceArn: arn:aws:sqs:us-east-1:000000000000:${uniqueName('missing')}`,
        'redis:',
        `  url: ${servers.redisUrl}`,
      ].join('\n'),
    );
    const result = await runCli(['start', '--config', config, '--port', '0'], serviceEnv(servers));
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('InvalidParameterValueException');
    expect(result.stdout + result.stderr).toContain(
      'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
    );
  });
});
