import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../harness/wait-for.js';
import { uniqueName } from '../../harness/unique-name.js';
import { SqsTestBed } from './sqs-test-bed.js';

const servers = inject('servers');
const NEVER_CALLED = { type: 'url', url: 'http://127.0.0.1:9/' } as const;

describe('SQS poller: queue checks at start', () => {
  let bed: SqsTestBed;

  beforeAll(() => {
    bed = new SqsTestBed(servers);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it("rejects an unknown queue with AWS's error name and message", async () => {
    const name = uniqueName('missing');
    const queue = { name, url: '', arn: `arn:aws:sqs:us-east-1:000000000000:${name}` };
    const started = bed.startPoller({ queue, target: NEVER_CALLED });
    await expect(started).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message:
        'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
    });
  });

  it('refuses a queue whose visibility timeout is shorter than the function timeout', async () => {
    const queue = await bed.createQueue('short-visibility', { visibilityTimeout: 5 });
    await expect(bed.startPoller({ queue, target: NEVER_CALLED, timeoutSeconds: 6 })).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'Queue visibility timeout: 5 seconds is less than Function timeout: 6 seconds',
    });
  });

  it('accepts a visibility timeout equal to the function timeout', async () => {
    const queue = await bed.createQueue('equal-visibility', { visibilityTimeout: 6 });
    const started = await bed.startPoller({ queue, target: NEVER_CALLED, timeoutSeconds: 6 });
    expect(started.logs.some((line) => line.msg === 'sqs_poller_started')).toBe(true);
    await started.poller.stop();
  });

  it('does not poll a disabled mapping', async () => {
    const queue = await bed.createQueue('disabled');
    await bed.send(queue, ['stays']);
    const started = await bed.startPoller({ queue, target: NEVER_CALLED, mapping: { Enabled: false } });
    expect(started.logs.some((line) => line.msg === 'sqs_poller_disabled')).toBe(true);
    expect(await started.metric('esm_polled_events_total')).toBe(0);
    expect(await bed.counts(queue)).toEqual({ visible: 1, inFlight: 0 });
    await started.poller.stop();
  });

  it('a queue deleted while mapped shows in LastProcessingResult, not only in the log', async () => {
    const queue = await bed.createQueue('vanishing');
    const started = await bed.startPoller({ queue, target: NEVER_CALLED });
    await bed.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    await waitFor(() => started.status.lastProcessingResult.startsWith('PROBLEM: Source not found: '), {
      message: 'the missing queue is not reported',
      timeoutMs: 45_000,
    });
    expect(await started.metric('esm_polling_errors_total')).toBeGreaterThan(0);
  }, 60_000);
});
