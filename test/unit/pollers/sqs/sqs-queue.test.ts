import { describe, expect, it } from 'vitest';
import { NON_EXISTENT_QUEUE_MESSAGE, SqsQueueRejectedError, visibilityTimeoutError, type SqsQueue } from '../../../../pollers/sqs/sqs-queue.js';

const QUEUE: SqsQueue = {
  arn: 'arn:aws:sqs:us-east-1:000000000000:q',
  url: 'http://localhost/000000000000/q',
  name: 'q',
  region: 'us-east-1',
  accountId: '000000000000',
  fifo: false,
  visibilityTimeoutSeconds: 60,
};

describe('visibilityTimeoutError', () => {
  it("refuses a queue whose visibility timeout is shorter than the function timeout, in AWS's words", () => {
    const error = visibilityTimeoutError(QUEUE, 180);
    expect(error).toBeInstanceOf(SqsQueueRejectedError);
    expect(error?.name).toBe('InvalidParameterValueException');
    expect(error?.message).toBe('Queue visibility timeout: 60 seconds is less than Function timeout: 180 seconds');
  });

  it('accepts equal or longer visibility timeouts', () => {
    expect(visibilityTimeoutError(QUEUE, 60)).toBeUndefined();
    expect(visibilityTimeoutError(QUEUE, 3)).toBeUndefined();
  });
});

describe('NON_EXISTENT_QUEUE_MESSAGE', () => {
  it('is the message AWS answers for an unknown queue', () => {
    expect(NON_EXISTENT_QUEUE_MESSAGE).toBe(
      'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
    );
  });
});
