import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { RecordIdentity, StreamEventBuilder, StreamRecord } from '../streams/stream-event-builder.js';

/** `kinesis.kinesisSchemaVersion` of every Kinesis event record. */
export const KINESIS_SCHEMA_VERSION = '1.0';
export const KINESIS_EVENT_SOURCE = 'aws:kinesis';
export const KINESIS_EVENT_VERSION = '1.0';
export const KINESIS_EVENT_NAME = 'aws:kinesis:record';

export interface KinesisEventContext {
  /** Region of the stream. */
  readonly awsRegion: string;
  /** The stream ARN (also when the mapping names an enhanced fan-out consumer). */
  readonly eventSourceArn: string;
  /** The function's execution role. */
  readonly invokeIdentityArn: string;
}

/**
 * Kinesis record → Lambda event record, exactly as AWS shapes it (spec §2.2): `data` is the base64 of the
 * record's bytes, untouched; `approximateArrivalTimestamp` is epoch seconds with the milliseconds as fraction;
 * `eventID` is `<shardId>:<sequenceNumber>`. Keys in AWS's order.
 */
export class KinesisEventBuilder implements StreamEventBuilder<KinesisRecord> {
  readonly source = 'kinesis' as const;
  readonly batchInfoKey = 'KinesisBatchInfo' as const;

  constructor(private readonly context: KinesisEventContext) {}

  identify(record: KinesisRecord): RecordIdentity {
    return {
      sequenceNumber: record.SequenceNumber ?? '',
      partitionKey: record.PartitionKey ?? '',
      arrivalEpochMs: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
    };
  }

  build(record: KinesisRecord, shardId: string): StreamRecord {
    const { sequenceNumber, partitionKey, arrivalEpochMs } = this.identify(record);
    const event = {
      kinesis: {
        kinesisSchemaVersion: KINESIS_SCHEMA_VERSION,
        partitionKey,
        sequenceNumber,
        data: base64Of(record.Data),
        approximateArrivalTimestamp: arrivalEpochMs / 1000,
      },
      eventSource: KINESIS_EVENT_SOURCE,
      eventVersion: KINESIS_EVENT_VERSION,
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: KINESIS_EVENT_NAME,
      invokeIdentityArn: this.context.invokeIdentityArn,
      awsRegion: this.context.awsRegion,
      eventSourceARN: this.context.eventSourceArn,
    };
    return { event, json: JSON.stringify(event), sequenceNumber, arrivalEpochMs, partitionKey };
  }
}

/** Base64 of the record's bytes, without copying them. */
function base64Of(data: Uint8Array | undefined): string {
  if (!data) return '';
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
