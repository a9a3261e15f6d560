import type { AttributeValue, _Record as DynamodbStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { RecordIdentity, StreamEventBuilder, StreamRecord } from '../streams/stream-event-builder.js';

export const DYNAMODB_EVENT_SOURCE = 'aws:dynamodb';
/** `eventVersion` DynamoDB Streams records carry today (spec §2.3; the guide's examples still show "1.0"). */
export const DYNAMODB_EVENT_VERSION = '1.1';

export interface DynamodbEventContext {
  /** Region of the stream (from its ARN); used when a record does not say. */
  readonly awsRegion: string;
  /** The stream ARN. */
  readonly eventSourceArn: string;
}

/** An attribute value in DynamoDB JSON as the wire carries it: one type key, binary values in base64. */
export type WireAttributeValue = Readonly<Record<string, unknown>>;
export type WireAttributeMap = Readonly<Record<string, WireAttributeValue>>;

/**
 * DynamoDB Streams record → Lambda event record, exactly as AWS shapes it (spec §2.3): keys in AWS's order,
 * `ApproximateCreationDateTime` in epoch seconds (whole seconds, as the stream gives it), attribute maps in
 * DynamoDB JSON as on the wire (`N` stays a string, `B`/`BS` become base64), images only when the record
 * has them, `userIdentity` only on deletes made by TTL. The item keys, serialised, order records by item.
 */
export class DynamodbEventBuilder implements StreamEventBuilder<DynamodbStreamRecord> {
  readonly source = 'dynamodb' as const;
  readonly batchInfoKey = 'DDBStreamBatchInfo' as const;

  constructor(private readonly context: DynamodbEventContext) {}

  identify(record: DynamodbStreamRecord): RecordIdentity {
    const change = record.dynamodb ?? {};
    const sequenceNumber = change.SequenceNumber ?? '';
    let partitionKey = sequenceNumber;
    try {
      partitionKey = JSON.stringify(wireAttributeMap(change.Keys ?? {}));
    } catch {
      // keys this builder cannot read: the record is ordered on its own
    }
    return { sequenceNumber, arrivalEpochMs: change.ApproximateCreationDateTime?.getTime() ?? Date.now(), partitionKey };
  }

  build(record: DynamodbStreamRecord, _shardId: string): StreamRecord {
    const change = record.dynamodb ?? {};
    const sequenceNumber = change.SequenceNumber ?? '';
    const createdEpochMs = change.ApproximateCreationDateTime?.getTime() ?? Date.now();
    const keys = wireAttributeMap(change.Keys ?? {});
    const dynamodb: Record<string, unknown> = { ApproximateCreationDateTime: Math.floor(createdEpochMs / 1000), Keys: keys };
    if (change.NewImage) dynamodb.NewImage = wireAttributeMap(change.NewImage);
    if (change.OldImage) dynamodb.OldImage = wireAttributeMap(change.OldImage);
    dynamodb.SequenceNumber = sequenceNumber;
    if (change.SizeBytes !== undefined) dynamodb.SizeBytes = change.SizeBytes;
    if (change.StreamViewType !== undefined) dynamodb.StreamViewType = change.StreamViewType;
    const event: Record<string, unknown> = {
      eventID: record.eventID ?? '',
      eventName: record.eventName ?? '',
      eventVersion: record.eventVersion ?? DYNAMODB_EVENT_VERSION,
      eventSource: record.eventSource ?? DYNAMODB_EVENT_SOURCE,
      awsRegion: record.awsRegion ?? this.context.awsRegion,
      dynamodb,
      eventSourceARN: this.context.eventSourceArn,
    };
    if (record.userIdentity) {
      event.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
    }
    return { event, json: JSON.stringify(event), sequenceNumber, arrivalEpochMs: createdEpochMs, partitionKey: JSON.stringify(keys) };
  }
}

/** An attribute map (item, image or keys) in DynamoDB JSON, attribute order kept. */
export function wireAttributeMap(map: Readonly<Record<string, AttributeValue>>): WireAttributeMap {
  const out: Record<string, WireAttributeValue> = {};
  for (const [name, value] of Object.entries(map)) out[name] = wireAttributeValue(value);
  return out;
}

/** One attribute value in DynamoDB JSON: the SDK's Uint8Array binaries back to base64, nested L/M walked. */
export function wireAttributeValue(value: AttributeValue): WireAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64Of(value.B) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64Of) };
  if (value.M !== undefined) return { M: wireAttributeMap(value.M) };
  if (value.L !== undefined) return { L: value.L.map(wireAttributeValue) };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  // A type this SDK does not know: pass it through under its own name.
  const [name, raw] = value.$unknown;
  return { [name]: raw as unknown };
}

function base64Of(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
