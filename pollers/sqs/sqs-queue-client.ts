import type { BatchResultErrorEntry, Message, SQSClient } from '@aws-sdk/client-sqs';
import { exponentialDelayMs, sleep, type ExponentialBackoff } from '../../src/runtime/backoff.js';
import { withSignal } from '../../src/aws/call-signal.js';
import { sqsSdk } from '../../src/aws/sdk-packages.js';

/** SQS's limit of entries per DeleteMessageBatch / ChangeMessageVisibilityBatch. */
export const MAX_BATCH_ENTRIES = 10;
/** SQS's limit of messages per ReceiveMessage. */
export const MAX_RECEIVE_MESSAGES = 10;
/** Attempts of a delete or visibility change before its remaining entries count as failed. */
export const SETTLE_ATTEMPTS = 4;
/** Pause between attempts: 200 ms doubling to 2 s, half jitter (well inside any visibility timeout). */
export const SETTLE_BACKOFF: ExponentialBackoff = { baseMs: 200, maxMs: 2_000, jitter: 0.5 };

/** Entry error codes that no retry can fix: the receipt handle no longer names an in-flight message. */
const PERMANENT_ENTRY_CODES = new Set([
  'ReceiptHandleIsInvalid',
  'InvalidParameterValue',
  'MessageNotInflight',
  'AWS.SimpleQueueService.MessageNotInflight',
  'InvalidIdFormat',
]);

/** Request errors that no retry can fix. */
const PERMANENT_REQUEST_ERRORS = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'AccessDenied', 'AccessDeniedException']);

/** A received message as the batch APIs address it. */
export interface MessageHandle {
  readonly record: { readonly messageId: string; readonly receiptHandle: string };
}

export interface EntryFailure<T> {
  readonly handle: T;
  readonly code: string;
  readonly message: string;
}

/** Outcome of a batch action: every handle given is in exactly one list. */
export interface BatchActionResult<T> {
  readonly succeeded: T[];
  readonly failed: EntryFailure<T>[];
}

export interface ReceiveRequest {
  readonly maxMessages: number;
  readonly waitTimeSeconds: number;
  /** Omitted: the queue's own visibility timeout. */
  readonly visibilityTimeoutSeconds?: number;
}

/**
 * The poller's narrow view of one queue: receive with every attribute, and the two batch actions that
 * settle messages. Batch actions split into requests of 10, check every entry of the answer, and retry the
 * entries (or requests) that failed for a reason a retry can fix; what still failed is returned, never
 * thrown. `receive` throws SDK errors (including the AbortError of its signal) to the caller.
 */
export class SqsQueueClient {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  async receive(request: ReceiveRequest, signal: AbortSignal): Promise<Message[]> {
    const response = await this.sqs.send(
      withSignal(new (sqsSdk().ReceiveMessageCommand)({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.min(MAX_RECEIVE_MESSAGES, Math.max(1, request.maxMessages)),
        WaitTimeSeconds: request.waitTimeSeconds,
        ...(request.visibilityTimeoutSeconds !== undefined ? { VisibilityTimeout: request.visibilityTimeoutSeconds } : {}),
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }), signal),
    );
    return response.Messages ?? [];
  }

  /** The queue's approximate message counts: visible, in flight (received, not deleted), delayed. */
  async countMessages(signal: AbortSignal): Promise<{ readonly visible: number; readonly inFlight: number; readonly delayed: number }> {
    const response = await this.sqs.send(
      withSignal(new (sqsSdk().GetQueueAttributesCommand)({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }), signal),
    );
    const count = (name: string) => Number(response.Attributes?.[name as keyof typeof response.Attributes] ?? 0) || 0;
    return {
      visible: count('ApproximateNumberOfMessages'),
      inFlight: count('ApproximateNumberOfMessagesNotVisible'),
      delayed: count('ApproximateNumberOfMessagesDelayed'),
    };
  }

  /** DeleteMessageBatch for every handle. */
  deleteMessages<T extends MessageHandle>(handles: readonly T[], signal: AbortSignal): Promise<BatchActionResult<T>> {
    return this.batchAction(handles, signal, async (entries) => {
      const response = await this.sqs.send(
        withSignal(new (sqsSdk().DeleteMessageBatchCommand)({
          QueueUrl: this.queueUrl,
          Entries: entries.map(({ id, handle }) => ({ Id: id, ReceiptHandle: handle.record.receiptHandle })),
        }), signal),
      );
      return { successful: response.Successful ?? [], failed: response.Failed ?? [] };
    });
  }

  /** ChangeMessageVisibilityBatch of every handle to `visibilityTimeoutSeconds` from now (0 = visible at once). */
  changeVisibility<T extends MessageHandle>(handles: readonly T[], visibilityTimeoutSeconds: number, signal: AbortSignal): Promise<BatchActionResult<T>> {
    return this.batchAction(handles, signal, async (entries) => {
      const response = await this.sqs.send(
        withSignal(new (sqsSdk().ChangeMessageVisibilityBatchCommand)({
          QueueUrl: this.queueUrl,
          Entries: entries.map(({ id, handle }) => ({
            Id: id,
            ReceiptHandle: handle.record.receiptHandle,
            VisibilityTimeout: visibilityTimeoutSeconds,
          })),
        }), signal),
      );
      return { successful: response.Successful ?? [], failed: response.Failed ?? [] };
    });
  }

  private async batchAction<T extends MessageHandle>(
    handles: readonly T[],
    signal: AbortSignal,
    send: (entries: { id: string; handle: T }[]) => Promise<{ successful: { Id?: string | undefined }[]; failed: BatchResultErrorEntry[] }>,
  ): Promise<BatchActionResult<T>> {
    const succeeded: T[] = [];
    const failed: EntryFailure<T>[] = [];
    let pending: { handle: T; code: string; message: string }[] = handles.map((handle) => ({ handle, code: '', message: '' }));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > 1) {
        const waited = await sleep(exponentialDelayMs(SETTLE_BACKOFF, attempt - 1), signal);
        if (!waited) break;
      }
      const retry: typeof pending = [];
      for (let start = 0; start < pending.length; start += MAX_BATCH_ENTRIES) {
        const chunk = pending.slice(start, start + MAX_BATCH_ENTRIES).map((entry, index) => ({ id: String(index), handle: entry.handle }));
        let answer: Awaited<ReturnType<typeof send>>;
        try {
          answer = await send(chunk);
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          const target = signal.aborted || PERMANENT_REQUEST_ERRORS.has(error.name) ? failed : retry;
          for (const { handle } of chunk) target.push({ handle, code: error.name, message: error.message });
          continue;
        }
        const byId = new Map(chunk.map((entry) => [entry.id, entry.handle]));
        for (const entry of answer.successful) {
          const handle = entry.Id !== undefined ? byId.get(entry.Id) : undefined;
          if (handle === undefined) continue;
          succeeded.push(handle);
          byId.delete(entry.Id!);
        }
        for (const entry of answer.failed) {
          const handle = entry.Id !== undefined ? byId.get(entry.Id) : undefined;
          if (handle === undefined) continue;
          byId.delete(entry.Id!);
          const failure = { handle, code: entry.Code ?? 'Unknown', message: entry.Message ?? '' };
          (PERMANENT_ENTRY_CODES.has(failure.code) ? failed : retry).push(failure);
        }
        // An entry the answer does not mention at all is retried like a failed one.
        for (const handle of byId.values()) retry.push({ handle, code: 'MissingFromResponse', message: 'entry missing from the batch response' });
      }
      pending = retry;
      if (attempt >= SETTLE_ATTEMPTS) break;
    }
    for (const entry of pending) failed.push(entry);
    return { succeeded, failed };
  }
}
