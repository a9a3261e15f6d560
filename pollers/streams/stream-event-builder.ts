import type { BatchInfoKey } from '../../src/destinations/stream-failure-record.js';
import type { SourceKind } from '../../src/mappings/event-source-mapping.js';

/** One stream record turned into the event record Lambda would send, with what the engine needs about it. */
export interface StreamRecord {
  /** The event record exactly as the function receives it inside `{"Records":[…]}`. */
  readonly event: Record<string, unknown>;
  /** `JSON.stringify(event)`, computed once (payload assembly and the 6 MB cap use it). */
  readonly json: string;
  readonly sequenceNumber: string;
  /** Approximate arrival (Kinesis) or creation (DynamoDB) time, epoch ms. */
  readonly arrivalEpochMs: number;
  /** Kinesis partition key; DynamoDB: the item keys as JSON. Orders records with ParallelizationFactor > 1. */
  readonly partitionKey: string;
  /**
   * Set when the record could not be turned into an event (`event` is then empty): it is never sent; it is given
   * up alone, as an exhausted record, so the shard moves on and the failure record names it.
   */
  readonly buildError?: unknown;
}

/** What the engine needs about a record that could not be built: where it is in the shard and when it arrived. */
export type RecordIdentity = Pick<StreamRecord, 'sequenceNumber' | 'arrivalEpochMs' | 'partitionKey'>;

/**
 * Turns one source record into a Lambda event record (per source: Kinesis, DynamoDB Streams).
 */
export interface StreamEventBuilder<R> {
  readonly source: SourceKind;
  /** Batch-info key of the on-failure record. */
  readonly batchInfoKey: BatchInfoKey;
  build(record: R, shardId: string): StreamRecord;
  /** The record's position and arrival, read without building the event; never throws. */
  identify(record: R): RecordIdentity;
}
