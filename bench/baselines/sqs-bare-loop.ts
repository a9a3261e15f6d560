import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { epochMs, ownCpuSeconds } from '../process-sampler.js';

export interface LoopDrain {
  /** Seconds from the start until the last message was deleted. */
  readonly seconds: number;
  /** CPU seconds this process used meanwhile. */
  readonly cpuSeconds: number;
}

/**
 * The ceiling: `concurrency` loops of ReceiveMessage (10, every attribute, as the service asks) + DeleteMessageBatch,
 * on a plain SDK client, until `messages` were deleted. `onReceive` sees each message as it arrives.
 */
export async function drainWithBareLoop(
  sqs: SQSClient,
  queueUrl: string,
  options: { messages: number; concurrency: number; waitTimeSeconds: number; onReceive?: (message: Message, receivedAt: number) => void },
): Promise<LoopDrain> {
  const stop = new AbortController();
  let deleted = 0;
  let finishedAt = 0;
  const cpuBefore = ownCpuSeconds();
  const started = epochMs();
  let cpuAfter = 0;
  const loop = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      let Messages: Message[] = [];
      try {
        ({ Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: options.waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: stop.signal },
        ));
      } catch (err) {
        if (stop.signal.aborted) return;
        throw err;
      }
      if (Messages.length === 0) continue;
      const receivedAt = epochMs();
      for (const message of Messages) options.onReceive?.(message, receivedAt);
      await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })) }),
      );
      deleted += Messages.length;
      if (deleted >= options.messages && finishedAt === 0) {
        finishedAt = epochMs();
        cpuAfter = ownCpuSeconds();
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  return { seconds: (finishedAt - started) / 1000, cpuSeconds: cpuAfter - cpuBefore };
}
