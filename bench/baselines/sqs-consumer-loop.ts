import type { SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { epochMs, ownCpuSeconds } from '../process-sampler.js';
import type { LoopDrain } from './sqs-bare-loop.js';

/**
 * The `sqs-consumer` package as its users run it: `concurrency` consumers of batches of 10 with a no-op
 * `handleMessageBatch` that acknowledges every message, until `messages` were deleted.
 */
export async function drainWithSqsConsumer(sqs: SQSClient, queueUrl: string, options: { messages: number; concurrency: number }): Promise<LoopDrain> {
  let deleted = 0;
  const cpuBefore = ownCpuSeconds();
  const started = epochMs();
  const consumers = Array.from({ length: options.concurrency }, () =>
    Consumer.create({
      queueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      attributeNames: ['All'],
      messageAttributeNames: ['All'],
      handleMessageBatch: async (messages) => messages,
    }),
  );
  const finished = await new Promise<{ at: number; cpu: number }>((resolve, reject) => {
    for (const consumer of consumers) {
      consumer.on('message_processed', () => {
        deleted += 1;
        if (deleted === options.messages) resolve({ at: epochMs(), cpu: ownCpuSeconds() });
      });
      consumer.on('error', (err) => reject(err));
      consumer.start();
    }
  });
  for (const consumer of consumers) consumer.stop({ abort: true });
  return { seconds: (finished.at - started) / 1000, cpuSeconds: finished.cpu - cpuBefore };
}
