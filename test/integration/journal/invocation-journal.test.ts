import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { fixtureHandler } from '../../harness/fixtures.js';
import { ManagedProcess } from '../../harness/managed-process.js';
import { REPO_ROOT } from '../../harness/repo-root.js';
import { CLI_PATH, runCli, startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture } from '../kinesis/kinesis-fixture.js';
import { SqsTestBed } from '../sqs/sqs-test-bed.js';
import type { JournalEntry } from '../../../src/journal/journal-entry.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('invocation journal', () => {
  let kinesis: KinesisFixture;
  let bed: SqsTestBed;
  let service: RunningService;
  let records: { shardId: string; sequenceNumber: string }[];
  let destination: { url: string; arn: string };
  let ignoredQueue: { url: string; arn: string; name: string };

  beforeAll(async () => {
    kinesis = new KinesisFixture(servers, clients.kinesis);
    bed = new SqsTestBed(servers);
    const stream = await kinesis.createStream(1);
    destination = await bed.createQueue('journal-dest');
    ignoredQueue = await bed.createQueue('journal-ignored');
    const invalidQueue = await bed.createQueue('journal-invalid');
    service = await startService({
      servers,
      config: [
        'functions:',
        // The handler would succeed: only the injected faults make it fail.
        `  failing: { handler: "${fixtureHandler('echo.mjs')}", faults: { errorRate: 1 } }`,
        `  partial: { handler: "${fixtureHandler('partial-failure.mjs')}" }`,
        `  unknown: { handler: "${fixtureHandler('unknown-item-failure.mjs')}" }`,
        'eventSourceMappings:',
        `  - FunctionName: failing`,
        `    EventSourceArn: "${stream.arn}"`,
        '    StartingPosition: TRIM_HORIZON',
        '    BatchSize: 10',
        '    MaximumBatchingWindowInSeconds: 1',
        '    BisectBatchOnFunctionError: true',
        '    MaximumRetryAttempts: 1',
        `    DestinationConfig: { OnFailure: { Destination: "${destination.arn}" } }`,
        `  - { FunctionName: partial, EventSourceArn: "${ignoredQueue.arn}" }`,
        `  - { FunctionName: unknown, EventSourceArn: "${invalidQueue.arn}", FunctionResponseTypes: [ReportBatchItemFailures] }`,
        `redis: { url: "${servers.redisUrl}", keyPrefix: ${uniqueName('journal')} }`,
        'streams: { idlePollIntervalMs: 100 }',
      ].join('\n'),
    });
    records = await kinesis.put(stream.arn, [
      { data: '{"n":1}', key: 'k' },
      { data: '{"n":2}', key: 'k' },
    ]);
    await bed.send(invalidQueue, ['any']);
  });

  afterAll(async () => {
    await service?.stop();
    await kinesis?.close();
    await bed?.close();
    clients.destroy();
  });

  async function entries(functionName: string): Promise<JournalEntry[]> {
    const body = (await (await fetch(`${service.url}/_esm/invocations?limit=1000`)).json()) as { Invocations: JournalEntry[] };
    return body.Invocations.filter((entry) => entry.FunctionName === functionName);
  }

  it('shows the retries and bisect steps of a failing Kinesis batch in order, up to its destination', async () => {
    const journal = await waitFor(
      async () => {
        const found = await entries('failing');
        return found.length >= 5 && found.every((entry) => entry.next !== undefined) ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'five decided invocations of the failing batch' },
    );
    const [first, second] = records.map((record) => record.sequenceNumber);
    expect(journal.map((entry) => [entry.batch.items.map((item) => item.id), entry.attempt, entry.outcome, entry.injectedFault, entry.next])).toEqual([
      [[first, second], 1, 'function_error', 'error', 'bisected'],
      [[first], 1, 'function_error', 'error', 'retried'],
      [[first], 2, 'function_error', 'error', 'sent_to_destination'],
      [[second], 1, 'function_error', 'error', 'retried'],
      [[second], 2, 'function_error', 'error', 'sent_to_destination'],
    ]);
    expect(journal[0]).toMatchObject({
      source: 'kinesis',
      shardId: records[0]!.shardId,
      error: { errorType: 'InjectedFault' },
      batch: { size: 2, records: [expect.objectContaining({ eventSource: 'aws:kinesis' }), expect.objectContaining({ eventSource: 'aws:kinesis' })] },
    });
    expect(journal[1]!.nextDetail).toMatch(/^retry 1 of 1 in \d+ ms$/);
    expect(journal[2]!.nextDetail).toBe(`RetryAttemptsExhausted: 1 records to ${destination.arn}`);

    // The injected faults drove both records to the on-failure destination.
    const batches: { KinesisBatchInfo: { startSequenceNumber: string } }[] = [];
    await waitFor(
      async () => {
        const received = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: destination.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        batches.push(...(received.Messages ?? []).map((message) => JSON.parse(message.Body!)));
        return batches.length >= 2;
      },
      { message: 'two failure records on the destination queue' },
    );
    expect(batches.map((batch) => batch.KinesisBatchInfo.startSequenceNumber).sort()).toEqual([first, second].sort());
  });

  it('flags a partial batch response Lambda ignores or cannot use, with the reason', async () => {
    const invalid = await waitFor(async () => (await entries('unknown')).find((entry) => entry.next !== undefined));
    expect(invalid).toMatchObject({
      source: 'sqs',
      outcome: 'invalid_response',
      attempt: 1,
      itemFailuresNote: expect.stringMatching(/itemIdentifier "not-in-this-batch" is not in the batch: Lambda .* counts the whole batch as failed/),
      next: 'retried',
      nextDetail: '1 reappear after their visibility timeout',
    });

    // A follower started now prints the entries of messages sent after it started.
    const lines: string[] = [];
    const follower = await ManagedProcess.start({
      name: 'esm-poller-journal',
      command: process.execPath,
      args: [CLI_PATH, 'journal', '--follow', '--endpoint', service.url],
      cwd: REPO_ROOT,
      onStdoutLine: (line) => lines.push(line),
    });
    try {
      await waitFor(() => lines.some((line) => line.includes('sent_to_destination')), { message: 'the follower prints the journal so far' });
      const [messageId] = await bed.send(ignoredQueue, ['please fail']);
      const ignored = await waitFor(async () => (await entries('partial')).find((entry) => entry.next !== undefined));
      expect(ignored).toMatchObject({
        outcome: 'success',
        batch: { items: [{ id: messageId }] },
        itemFailuresNote: expect.stringContaining("does not include ReportBatchItemFailures, so Lambda ignores batchItemFailures"),
        next: 'deleted',
      });
      const line = await waitFor(() => lines.find((text) => text.includes(' partial ')), { message: 'the follower prints the new entry' });
      expect(line).toMatch(/attempt 1 · 1 record, \d+ B · success .*ignores batchItemFailures.*→ deleted$/);
    } finally {
      await follower.stop(5_000, 'SIGINT');
    }

    const printed = await runCli(['journal', '--endpoint', service.url, '--limit', '50']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/failing .*attempt 1 · 2 records.* function_error InjectedFault: .*\[injected error\] → bisected \(halves of 1 and 1 records\)/);
  });
});
