import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SqsQueueClient } from '../../../pollers/sqs/sqs-queue-client.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { waitFor } from '../../harness/wait-for.js';
import { SqsTestBed } from './sqs-test-bed.js';

const servers = inject('servers');
const handle = (messageId: string, receiptHandle: string) => ({ record: { messageId, receiptHandle } });

describe('SqsQueueClient against a real queue', () => {
  let bed: SqsTestBed;
  let target: RecordingTarget;

  beforeAll(async () => {
    bed = new SqsTestBed(servers);
    target = await startRecordingTarget();
  });

  afterAll(async () => {
    await bed?.close();
    await target?.close();
  });

  it('deletes more than 10 messages in several batch requests and reports each one', async () => {
    const queue = await bed.createQueue('client-delete');
    await bed.send(queue, Array.from({ length: 25 }, (_, index) => `m${index}`));
    const client = new SqsQueueClient(bed.pollerSqs, queue.url);
    const signal = new AbortController().signal;
    const received = [];
    while (received.length < 25) {
      const messages = await client.receive({ maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30 }, signal);
      received.push(...messages.map((message) => handle(message.MessageId!, message.ReceiptHandle!)));
    }
    const result = await client.deleteMessages(received, signal);
    expect(result.succeeded).toHaveLength(25);
    expect(result.failed).toEqual([]);
    expect(await bed.counts(queue)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('reports an entry SQS refuses without retrying it, and applies the others', async () => {
    const queue = await bed.createQueue('client-visibility');
    await bed.send(queue, ['a', 'b']);
    const client = new SqsQueueClient(bed.pollerSqs, queue.url);
    const signal = new AbortController().signal;
    const messages = await client.receive({ maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30 }, signal);
    expect(messages).toHaveLength(2);
    const bogus = handle('bogus', 'not-a-receipt-handle');
    const startedAt = Date.now();
    const result = await client.changeVisibility([...messages.map((m) => handle(m.MessageId!, m.ReceiptHandle!)), bogus], 0, signal);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(result.succeeded.map((entry) => entry.record.messageId).sort()).toEqual(messages.map((m) => m.MessageId!).sort());
    expect(result.failed).toEqual([{ handle: bogus, code: 'ReceiptHandleIsInvalid', message: expect.any(String) }]);
    expect((await bed.counts(queue)).visible).toBe(2);
  });

  it('aborts a parked long poll as soon as its signal aborts', async () => {
    const queue = await bed.createQueue('client-abort');
    const client = new SqsQueueClient(bed.pollerSqs, queue.url);
    const controller = new AbortController();
    const startedAt = Date.now();
    const receiving = client.receive({ maxMessages: 10, waitTimeSeconds: 20 }, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(receiving).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('counts receive errors, backs off and keeps running when the queue disappears', async () => {
    const queue = await bed.createQueue('client-gone');
    const started = await bed.startPoller({ queue, target: { type: 'url', url: target.url } });
    await bed.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    await waitFor(async () => (await started.metric('esm_polling_errors_total')) >= 2, { message: 'polling errors counted' });
    expect(started.logs.some((line) => line.msg === 'receive_failed' && line.level === 'warn')).toBe(true);
    expect(await started.metric('esm_pollers')).toBeGreaterThan(0);
    const stoppedAt = Date.now();
    await started.poller.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(1_500);
  });
});
