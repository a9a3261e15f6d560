import type { FailureDelivery } from '../../src/destinations/on-failure-destination.js';
import {
  arrivalTimeString,
  buildStreamFailureRecord,
  type BatchInfoKey,
  type StreamFailureCondition,
} from '../../src/destinations/stream-failure-record.js';
import type { StreamRecord } from './stream-event-builder.js';

/** The last invocation of the discarded records, as the failure record reports it. */
export interface LastInvocation {
  readonly requestId: string;
  readonly executedVersion: string;
  /** `Unhandled` after a function error or timeout; null after a partial or invalid response. */
  readonly functionError: 'Unhandled' | null;
}

export interface DiscardedRecords {
  readonly records: readonly StreamRecord[];
  readonly condition: StreamFailureCondition;
  /** Invocations made with these records. */
  readonly invokeCount: number;
  /** Undefined when they were never invoked. */
  readonly lastInvocation?: LastInvocation;
  /** Used as requestId when there was no invocation. */
  readonly fallbackRequestId: string;
  readonly shardId: string;
  readonly streamArn: string;
  readonly functionArn: string;
  readonly batchInfoKey: BatchInfoKey;
  readonly destinationArn: string;
  readonly mappingUuid: string;
  readonly functionName: string;
  readonly source: string;
  readonly timestamp: Date;
  /** The invocation event when it is more than `{"Records":[…]}` (a tumbling window's). */
  readonly payload?: string;
}

/** Lambda's HTTP status of a synchronous invocation that ran (also when the function failed). */
const INVOKE_STATUS_CODE = 200;

/**
 * The on-failure delivery of discarded stream records (spec §3.7): the record with requestContext,
 * responseContext (absent for RecordAgeExceeded), version, timestamp and the batch info of exactly these
 * records; the invocation event of these records as the S3 `payload`.
 */
export function failureDeliveryOf(discarded: DiscardedRecords): FailureDelivery {
  const first = discarded.records[0];
  const last = discarded.records[discarded.records.length - 1];
  if (!first || !last) throw new RangeError('a failure record needs at least one record');
  const invocation = discarded.lastInvocation;
  const record = buildStreamFailureRecord({
    requestId: invocation?.requestId ?? discarded.fallbackRequestId,
    functionArn: discarded.functionArn,
    condition: discarded.condition,
    approximateInvokeCount: Math.max(1, discarded.invokeCount),
    ...(discarded.condition === 'RetryAttemptsExhausted' && invocation
      ? {
          response: {
            statusCode: INVOKE_STATUS_CODE,
            executedVersion: invocation.executedVersion,
            functionError: invocation.functionError,
          },
        }
      : {}),
    batchInfoKey: discarded.batchInfoKey,
    batchInfo: {
      shardId: discarded.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: arrivalTimeString(first.arrivalEpochMs, discarded.batchInfoKey),
      approximateArrivalOfLastRecord: arrivalTimeString(last.arrivalEpochMs, discarded.batchInfoKey),
      batchSize: discarded.records.length,
      streamArn: discarded.streamArn,
    },
    timestamp: discarded.timestamp,
  });
  return {
    destinationArn: discarded.destinationArn,
    record,
    payload: discarded.payload ?? eventPayload(discarded.records),
    eventCount: discarded.records.length,
    mappingUuid: discarded.mappingUuid,
    functionName: discarded.functionName,
    source: discarded.source,
    shardId: discarded.shardId,
  };
}

/** The invocation event `{"Records":[…]}` of stream records, as JSON text. */
export function eventPayload(records: readonly StreamRecord[]): string {
  return `{"Records":[${records.map((record) => record.json).join(',')}]}`;
}
