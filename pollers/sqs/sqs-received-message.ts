import type { Message } from '@aws-sdk/client-sqs';
import { recordPayloadBytes } from '../../src/batch/invoke-payload-limit.js';
import { toSqsRecord, type SqsEventSource, type SqsRecord } from './sqs-event.js';

/**
 * One message the poller has received and not yet settled: its event record (serialised once, so its size
 * in the invoke payload is exact) and what the poller knows of its visibility.
 */
export interface SqsReceivedMessage {
  readonly record: SqsRecord;
  /** `JSON.stringify(record)`: the exact text this record adds to the event. */
  readonly json: string;
  /** Bytes the record adds to the `{"Records":[…]}` payload (its JSON and a separating comma). */
  readonly bytes: number;
  /** FIFO queues: `MessageGroupId`; undefined on standard queues. */
  readonly groupId: string | undefined;
  /**
   * When SQS makes the message visible again unless it is deleted or its visibility is changed: epoch ms,
   * estimated from the moment the receive was sent (so never later than the truth).
   */
  visibleAtMs: number;
  /**
   * Standard queues: a visibility extension on its way (sent without waiting for it, see
   * `SqsMessageActions.extendMeanwhile`); unset once it has its answer. Every other action on the message
   * waits for it first, so an extension never lands after a release or a delete.
   */
  visibilityExtension?: Promise<void>;
}

/** Waits until no visibility extension of `messages` is on its way. */
export async function extensionsSettled(messages: readonly SqsReceivedMessage[]): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const message of messages) if (message.visibilityExtension) pending.push(message.visibilityExtension);
  if (pending.length > 0) await Promise.all(pending);
}

/** Wraps a received SQS message; `receivedAtMs` is when the ReceiveMessage request was sent. */
export function toReceivedMessage(
  message: Message,
  source: SqsEventSource,
  receivedAtMs: number,
  visibilityTimeoutSeconds: number,
): SqsReceivedMessage {
  const record = toSqsRecord(message, source);
  const json = JSON.stringify(record);
  return {
    record,
    json,
    bytes: recordPayloadBytes(json),
    groupId: record.attributes['MessageGroupId'],
    visibleAtMs: receivedAtMs + visibilityTimeoutSeconds * 1000,
  };
}
