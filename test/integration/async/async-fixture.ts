import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { TestClients } from '../../harness/aws-clients.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

/** Multiplies AWS's asynchronous timings in these tests: 1 min → 600 ms, 6 h → 216 s, 60 s → 600 ms. */
export const TEST_TIME_SCALE = 0.01;

/** The configuration text of a service with these functions (YAML lines under `functions:`), on its own key prefix. */
export function asyncServiceConfig(functionLines: readonly string[], keyPrefix = uniqueName('t-async')): string {
  return ['functions:', ...functionLines.map((line) => `  ${line}`), 'redis:', `  keyPrefix: ${keyPrefix}`, 'async:', `  timeScale: ${TEST_TIME_SCALE}`].join('\n');
}

export interface TestQueue {
  readonly url: string;
  readonly arn: string;
}

export async function createQueue(clients: TestClients, prefix: string): Promise<TestQueue> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName(prefix) }));
  const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: attributes.Attributes!.QueueArn! };
}

/** Waits for the next message on a queue (with its attributes) and deletes it. */
export async function receiveMessage(clients: TestClients, queueUrl: string, timeoutMs = 20_000): Promise<Message> {
  const message = await waitFor(
    async () =>
      (await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }))).Messages?.[0],
    { message: `no message on ${queueUrl}`, timeoutMs },
  );
  await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  return message;
}

/** Sends an Event invocation; returns the status and the request id answered. */
export async function invokeEvent(lambda: LambdaClient, functionName: string, event: unknown): Promise<{ status: number | undefined; requestId: string | undefined; payload: number }> {
  const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
  return { status: response.StatusCode, requestId: response.$metadata.requestId, payload: response.Payload?.length ?? 0 };
}
