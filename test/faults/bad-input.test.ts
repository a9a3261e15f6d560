import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceEnv, testClients } from '../harness/aws-clients.js';
import { fixtureHandler } from '../harness/fixtures.js';
import { runCli, startService, type RunningService } from '../harness/service-process.js';
import { uniqueName } from '../harness/unique-name.js';
import { waitFor } from '../harness/wait-for.js';
import { SHORT_PROFILE } from './fault-scenario.js';
import { kinesisSource } from './fault-sources.js';

const servers = inject('servers');
const clients = testClients(servers);
const MAPPINGS = '/2015-03-31/event-source-mappings/';
const ACCOUNT = '000000000000';

/**
 * Bad input from every side: configuration files, API requests, ARNs of nothing, sources deleted while mapped.
 * Each gets a clear error or a visible mapping state, and the process keeps serving.
 */
describe('bad input', { timeout: SHORT_PROFILE.testTimeoutMs }, () => {
  let service: RunningService;
  const dir = mkdtempSync(join(tmpdir(), 'esm-bad-input-'));

  beforeAll(async () => {
    service = await startService({
      servers,
      config: ['functions:', `  echo: { handler: "${fixtureHandler('echo.mjs')}" }`, `redis: { keyPrefix: ${uniqueName('bad-input')} }`, 'streams: { idlePollIntervalMs: 200 }'].join('\n'),
    });
  });

  afterAll(async () => {
    await service?.stop();
    clients.destroy();
  });

  const call = (method: string, path: string, body?: string) =>
    fetch(`${service.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body } : {}) });

  async function expectError(response: Response, status: number, errorType: string, message: RegExp): Promise<void> {
    const text = await response.text();
    expect({ status: response.status, errorType: response.headers.get('x-amzn-errortype') }).toEqual({ status, errorType });
    expect((JSON.parse(text) as { message?: string; Message?: string }).message ?? JSON.parse(text).Message).toMatch(message);
  }

  async function stillServing(): Promise<void> {
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const invoked = await call('POST', '/2015-03-31/functions/echo/invocations', '{"still":"serving"}');
    expect(await invoked.json()).toEqual({ still: 'serving' });
  }

  it('refuses malformed configuration files at start with the file, the place and the reason, exiting non-zero', async () => {
    const cases: [string, RegExp][] = [
      ['functions: [echo\n', /yaml line 2.*\]/],
      [`functions:\n  echo: { handler: "${fixtureHandler('echo.mjs')}" }\neventSourceMappings:\n  - { FunctionName: echo, EventSourceArn: "arn:aws:sqs:us-east-1:${ACCOUNT}:q", BatchSize: 0 }\n`, /BatchSize/],
      ['functions:\n  echo: { handler: "./missing.mjs", url: "http://x" }\n', /functions\.echo/],
      ['nonsense: true\n', /nonsense: is not a supported field/],
    ];
    // Each file its own process, all at once.
    const results = await Promise.all(
      cases.map(([text]) => {
        const file = join(dir, `${uniqueName('config')}.yaml`);
        writeFileSync(file, text);
        return runCli(['start', '--config', file, '--port', '0'], serviceEnv(servers));
      }),
    );
    for (const [i, [text, message]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, text).not.toBe(0);
      expect(result.code, text).not.toBeNull();
      expect(`${result.stdout}${result.stderr}`, text).toMatch(message);
    }
  });

  it('answers malformed JSON, oversized bodies and out-of-range parameters with AWS errors, and keeps serving', async () => {
    await expectError(await call('POST', MAPPINGS, '{"FunctionName": "echo",'), 400, 'InvalidRequestContentException', /JSON|parse/i);
    await expectError(await call('POST', MAPPINGS, JSON.stringify({ FunctionName: 'echo', Pad: 'x'.repeat(300 * 1024) })), 413, 'RequestEntityTooLargeException', /smaller than/);
    const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('any')}`;
    // Outside the API model's constraints: ValidationException, as AWS answers.
    await expectError(await call('POST', MAPPINGS, JSON.stringify({ FunctionName: 'echo', EventSourceArn: queueArn, BatchSize: 100_000 })), 400, 'ValidationException', /batchSize/i);
    await expectError(await call('POST', MAPPINGS, JSON.stringify({ FunctionName: 'echo', EventSourceArn: 'not-an-arn' })), 400, 'InvalidParameterValueException', /event source/i);
    await expectError(await call('GET', `${MAPPINGS}${'0'.repeat(8)}-0000-0000-0000-000000000000`), 404, 'ResourceNotFoundException', /not found|does not exist/i);
    await expectError(await call('GET', '/2015-03-31/event-source-mappings/?MaxItems=100000'), 400, 'ValidationException', /maxItems/i);
    await stillServing();
  });

  it('refuses a mapping of a queue or stream that does not exist', async () => {
    const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('absent')}`;
    const streamArn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${uniqueName('absent')}`;
    for (const arn of [queueArn, streamArn]) {
      const body = { FunctionName: 'echo', EventSourceArn: arn, ...(arn === streamArn ? { StartingPosition: 'LATEST' } : {}) };
      const response = await call('POST', MAPPINGS, JSON.stringify(body));
      expect(response.status, arn).toBeGreaterThanOrEqual(400);
      expect(response.status, arn).toBeLessThan(500);
      expect(response.headers.get('x-amzn-errortype'), arn).toMatch(/InvalidParameterValueException|ResourceNotFoundException/);
    }
    await stillServing();
  });

  it('shows a queue or a stream deleted while mapped in the mapping, and keeps serving', async () => {
    const name = uniqueName('doomed');
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const stream = await kinesisSource(clients, 1);
    const uuids: string[] = [];
    for (const body of [
      { FunctionName: 'echo', EventSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}` },
      { FunctionName: 'echo', EventSourceArn: stream.arn, StartingPosition: 'TRIM_HORIZON' },
    ]) {
      const created = await call('POST', MAPPINGS, JSON.stringify(body));
      expect(created.status).toBe(202);
      uuids.push(((await created.json()) as { UUID: string }).UUID);
    }
    const mapping = async (uuid: string) => (await (await call('GET', `${MAPPINGS}${uuid}`)).json()) as { State: string; LastProcessingResult: string };
    await waitFor(async () => (await Promise.all(uuids.map(mapping))).every((m) => m.State === 'Enabled'), { timeoutMs: 30_000, message: 'mappings not enabled' });

    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    await stream.delete();
    // A stream mapping says so in LastProcessingResult; an SQS mapping (AWS reports no LastProcessingResult for
    // SQS) in its polling errors, which keep counting.
    let last: unknown;
    await waitFor(
      async () => {
        last = await mapping(uuids[1]!);
        return /^PROBLEM: Source not found/.test((last as { LastProcessingResult: string }).LastProcessingResult);
      },
      { timeoutMs: 40_000, message: 'the stream mapping does not show its stream is gone' },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last)}`);
    });
    const pollingErrors = async () => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const line = text.split('\n').find((entry) => entry.startsWith('esm_polling_errors_total{') && entry.includes(`mapping="${uuids[0]}"`));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const first = await waitFor(async () => (await pollingErrors()) || undefined, { timeoutMs: 40_000, message: 'no polling error counted for the deleted queue' });
    await waitFor(async () => (await pollingErrors()) > first, { timeoutMs: 40_000, message: 'the polling errors of the deleted queue stopped counting' });
    await stillServing();
  });
});
