// A test that runs esm-poller in-process against an SQS queue: put messages, wait until idle, assert on the journal.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startEsmPoller, type EsmPoller } from 'esm-poller/testing';

// The emulators of this repository's test run; in your project, the endpoints of your docker-compose (or LocalStack).
const { redisUrl, fauxqsEndpoint, region } = inject('servers');
const sqs = new SQSClient({ endpoint: fauxqsEndpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

let poller: EsmPoller;
let queueUrl: string;
let deadLetterUrl: string;

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

beforeAll(async () => {
  const name = `orders-${Date.now()}`;
  const deadLetter = await createQueue(`${name}-dlq`);
  // A failed order is received once more after 2 s, then moved to the dead-letter queue by the queue's redrive policy.
  const queue = await createQueue(name, { VisibilityTimeout: '2', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: 1 }) });
  queueUrl = queue.url;
  deadLetterUrl = deadLetter.url;
  poller = await startEsmPoller({
    redisUrl,
    env: { ...process.env, AWS_ENDPOINT_URL_SQS: fauxqsEndpoint, AWS_REGION: region },
    baseDir: dirname(fileURLToPath(import.meta.url)),
    config: {
      functions: { orders: { handler: './orders-handler.js', timeout: 1 } },
      eventSourceMappings: [{ FunctionName: 'orders', EventSourceArn: queue.arn, FunctionResponseTypes: ['ReportBatchItemFailures'] }],
    },
  });
});

afterAll(async () => {
  await poller?.stop();
  sqs.destroy();
});

const send = (orders: Record<string, number>) =>
  sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: Object.entries(orders).map(([id, quantity]) => ({ Id: id, MessageBody: JSON.stringify({ quantity }) })),
    }),
  );

it('processes every order: wait until idle, then read what the function was sent and answered', async () => {
  await send({ first: 1, second: 2, third: 3 });
  await poller.waitIdle({ timeoutMs: 10_000 });
  const journal = await poller.journal();
  expect(journal.flatMap((entry) => entry.batch.items)).toHaveLength(3);
  expect(journal.every((entry) => entry.outcome === 'success' && entry.next === 'deleted')).toBe(true);
});

it('reports the order it cannot take as a batch item failure; the queue moves it to its dead-letter queue', async () => {
  const { Successful } = await send({ good: 1, bad: 0 });
  await poller.waitIdle({ timeoutMs: 15_000 });
  const bad = Successful!.find((entry) => entry.Id === 'bad')!.MessageId;
  const partial = (await poller.journal()).find((entry) => entry.outcome === 'partial')!;
  expect(partial).toMatchObject({ failedItems: [bad], next: 'retried' });
  const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, WaitTimeSeconds: 1 }));
  expect(dead.Messages?.map((message) => message.MessageId)).toEqual([bad]);
});

it('fails an invocation on purpose with an injected fault, without changing the handler', async () => {
  await poller.faults('orders').set({ throttleRate: 1, count: 1 });
  await send({ throttled: 5 });
  await poller.waitIdle({ timeoutMs: 10_000 });
  const [throttled, retried] = (await poller.journal({ limit: 2 })).map((entry) => [entry.outcome, entry.injectedFault, entry.next]);
  expect(throttled).toEqual(['throttle', 'throttle', 'retried']);
  expect(retried).toEqual(['success', undefined, 'deleted']);
});
