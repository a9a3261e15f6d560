import { createHash } from 'node:crypto';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';

/**
 * The SQS event record exactly as Lambda builds it (spec §2.1): camelCase at the top level, the SQS API's
 * PascalCase names inside `attributes`, camelCase members inside each message attribute. The body is passed
 * through untouched (a JSON body stays a string).
 */
export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** System attributes, every value a string: ApproximateReceiveCount, SentTimestamp, SenderId, … (+ FIFO fields). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, SqsRecordMessageAttribute>>;
  /** `null` when the message has no message attributes (AWS-recorded). */
  readonly md5OfMessageAttributes: string | null;
  readonly md5OfBody: string;
  readonly eventSource: 'aws:sqs';
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface SqsRecordMessageAttribute {
  readonly stringValue?: string;
  /** Base64 of the attribute's bytes. */
  readonly binaryValue?: string;
  readonly stringListValues: readonly string[];
  readonly binaryListValues: readonly string[];
  /** `String`, `Number`, `Binary`, or one of those with a custom label (`Number.int`). */
  readonly dataType: string;
}

/** Where the records come from: the queue ARN and its region. */
export interface SqsEventSource {
  readonly queueArn: string;
  readonly region: string;
}

export const SQS_EVENT_SOURCE = 'aws:sqs';

/**
 * Builds the event record of one received message. Pure: the same message always gives the same record.
 * A message without an MD5 of its body (never from SQS itself) gets one computed from the body.
 */
export function toSqsRecord(message: Message, source: SqsEventSource): SqsRecord {
  const body = message.Body ?? '';
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.Attributes ?? {})) {
    if (value !== undefined) attributes[name] = String(value);
  }
  const messageAttributes: Record<string, SqsRecordMessageAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = toRecordAttribute(value);
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    attributes,
    messageAttributes,
    md5OfMessageAttributes: message.MD5OfMessageAttributes ?? null,
    md5OfBody: message.MD5OfBody ?? createHash('md5').update(body, 'utf8').digest('hex'),
    eventSource: SQS_EVENT_SOURCE,
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
}

/** The `{"Records":[…]}` event text from records already serialised, without serialising them again. */
export function sqsEventPayload(recordJsons: readonly string[]): string {
  return `{"Records":[${recordJsons.join(',')}]}`;
}

function toRecordAttribute(value: MessageAttributeValue): SqsRecordMessageAttribute {
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
    stringListValues: [...(value.StringListValues ?? [])],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
    dataType: value.DataType ?? 'String',
  };
}

function base64(bytes: Uint8Array | string): string {
  return typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
