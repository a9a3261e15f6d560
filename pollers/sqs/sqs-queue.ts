import type { SQSClient } from '@aws-sdk/client-sqs';
import { parseSourceArn } from '../../src/mappings/source-arn.js';
import { InvalidParameterValueException } from '../../src/errors/api-error.js';
import { sqsSdk } from '../../src/aws/sdk-packages.js';

/** The queue behind an SQS mapping, as resolved at start. */
export interface SqsQueue {
  readonly arn: string;
  readonly url: string;
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly fifo: boolean;
  /** The queue's default visibility timeout, seconds. */
  readonly visibilityTimeoutSeconds: number;
}

/** The message AWS answers CreateEventSourceMapping with when the queue does not exist (spec §1.3). */
export const NON_EXISTENT_QUEUE_MESSAGE =
  'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.';

/** SDK error names of a queue that does not exist (JSON and query protocols). */
const NON_EXISTENT_QUEUE_ERRORS = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

/**
 * The queue cannot serve the mapping: named like the Lambda API error AWS returns for it
 * (`InvalidParameterValueException`), with AWS's message.
 */
export class SqsQueueRejectedError extends InvalidParameterValueException {
  constructor(
    message: string,
    readonly queueArn: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Resolves an SQS EventSourceArn the way Lambda does: GetQueueUrl with the queue name and the owner account
 * from the ARN, then the queue's visibility timeout.
 * @throws SqsQueueRejectedError when the queue does not exist; SDK errors for anything else
 */
export async function resolveSqsQueue(sqs: SQSClient, queueArn: string): Promise<SqsQueue> {
  const arn = parseSourceArn(queueArn);
  if (!arn || arn.kind !== 'sqs') throw new SqsQueueRejectedError(NON_EXISTENT_QUEUE_MESSAGE, queueArn);
  let url: string | undefined;
  try {
    const response = await sqs.send(new (sqsSdk().GetQueueUrlCommand)({ QueueName: arn.name, QueueOwnerAWSAccountId: arn.accountId }));
    url = response.QueueUrl;
  } catch (err) {
    if (err instanceof Error && NON_EXISTENT_QUEUE_ERRORS.has(err.name)) {
      throw new SqsQueueRejectedError(NON_EXISTENT_QUEUE_MESSAGE, queueArn, { cause: err });
    }
    throw err;
  }
  if (!url) throw new SqsQueueRejectedError(NON_EXISTENT_QUEUE_MESSAGE, queueArn);
  const attributes = await sqs.send(new (sqsSdk().GetQueueAttributesCommand)({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }));
  const visibility = Number(attributes.Attributes?.VisibilityTimeout ?? '30');
  return {
    arn: queueArn,
    url,
    name: arn.name,
    region: arn.region,
    accountId: arn.accountId,
    fifo: arn.fifo,
    visibilityTimeoutSeconds: Number.isFinite(visibility) ? visibility : 30,
  };
}

/**
 * AWS refuses a mapping whose function may run longer than the queue hides a message (spec §1.2):
 * the error to throw, or undefined when the queue is fine.
 */
export function visibilityTimeoutError(queue: SqsQueue, functionTimeoutSeconds: number): SqsQueueRejectedError | undefined {
  if (queue.visibilityTimeoutSeconds >= functionTimeoutSeconds) return undefined;
  return new SqsQueueRejectedError(
    `Queue visibility timeout: ${queue.visibilityTimeoutSeconds} seconds is less than Function timeout: ${functionTimeoutSeconds} seconds`,
    queue.arn,
  );
}
