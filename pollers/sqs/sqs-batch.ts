import { MAX_INVOKE_PAYLOAD_BYTES, RECORDS_ENVELOPE_BYTES } from '../../src/batch/invoke-payload-limit.js';
import { sqsEventPayload } from './sqs-event.js';
import type { SqsReceivedMessage } from './sqs-received-message.js';

/** Why a batch stopped growing. */
export type BatchSealReason =
  /** `BatchSize` records reached. */
  | 'size'
  /** The next record would have taken the event past the 6 MB invoke payload limit. */
  | 'payload_limit'
  /** `MaximumBatchingWindowInSeconds` elapsed (or, with no window, the first receive that brought records). */
  | 'window'
  /** The poller is stopping: the batch is released, not invoked. */
  | 'stopping';

/**
 * The records of one future invocation, in receive order, bounded by `BatchSize` and by Lambda's 6 MB
 * synchronous payload limit counted over the whole event JSON (spec §3.1).
 *
 * A record is only ever added at the end, and the first record that does not fit stops the filling: the
 * rest wait for the next batch in the order they came, which keeps FIFO group order. A single record larger
 * than the limit on its own is still accepted into an empty batch, alone (what AWS does with it is
 * undocumented; the function target decides).
 */
export class SqsBatch {
  private readonly items: SqsReceivedMessage[] = [];
  private payloadBytes = RECORDS_ENVELOPE_BYTES;

  constructor(
    readonly maxRecords: number,
    readonly maxPayloadBytes: number = MAX_INVOKE_PAYLOAD_BYTES,
  ) {}

  get messages(): readonly SqsReceivedMessage[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }

  /** Bytes of the event built from the current records (an upper bound by at most one byte). */
  get bytes(): number {
    return this.payloadBytes;
  }

  get isFull(): boolean {
    return this.items.length >= this.maxRecords;
  }

  /** Records that may still be added before `BatchSize` is reached. */
  get room(): number {
    return Math.max(0, this.maxRecords - this.items.length);
  }

  /** Adds `message` when both limits allow it; false leaves the batch unchanged. */
  tryAdd(message: SqsReceivedMessage): boolean {
    if (this.isFull) return false;
    if (this.items.length > 0 && this.payloadBytes + message.bytes > this.maxPayloadBytes) return false;
    this.items.push(message);
    this.payloadBytes += message.bytes;
    return true;
  }

  /**
   * Adds `messages` in order until one does not fit; returns that one and every message after it (the
   * carry-over for the next batch), in order.
   */
  fill(messages: readonly SqsReceivedMessage[]): SqsReceivedMessage[] {
    for (let index = 0; index < messages.length; index += 1) {
      if (!this.tryAdd(messages[index]!)) return messages.slice(index);
    }
    return [];
  }

  /** Removes the given messages (e.g. ones whose visibility could not be secured). */
  remove(drop: ReadonlySet<SqsReceivedMessage>): void {
    const kept = this.items.filter((message) => !drop.has(message));
    this.items.length = 0;
    this.payloadBytes = RECORDS_ENVELOPE_BYTES;
    for (const message of kept) {
      this.items.push(message);
      this.payloadBytes += message.bytes;
    }
  }

  /** The `{"Records":[…]}` event text. */
  payload(): string {
    return sqsEventPayload(this.items.map((message) => message.json));
  }

  /** The message ids of the batch: the valid `itemIdentifier`s of a partial batch response. */
  messageIds(): ReadonlySet<string> {
    return new Set(this.items.map((message) => message.record.messageId));
  }
}
