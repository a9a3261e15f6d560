/**
 * The on-failure record Lambda sends when a Kinesis or DynamoDB Streams mapping discards records (spec §3.7).
 * Pure: the stream engine fills the input, this module fixes field names, key order and formats exactly as AWS
 * prints them.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 */

/** Which batch-info key the record carries: Kinesis or DynamoDB Streams. */
export type BatchInfoKey = 'KinesisBatchInfo' | 'DDBStreamBatchInfo';

/** Why the records were discarded. */
export type StreamFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** The discarded records: one shard, a contiguous sequence range. */
export interface StreamBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  /** As printed by {@link arrivalTimeString}. */
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

export interface StreamFailureRecordInput {
  /** Request id of the last invocation. */
  requestId: string;
  /** The mapping's FunctionArn. */
  functionArn: string;
  condition: StreamFailureCondition;
  /** Invocations made for these records (MaximumRetryAttempts + 1 when retries are exhausted). */
  approximateInvokeCount: number;
  /** Omitted for RecordAgeExceeded (AWS omits responseContext then). */
  response?: { statusCode: number; executedVersion: string; functionError: 'Unhandled' | null };
  batchInfoKey: BatchInfoKey;
  batchInfo: StreamBatchInfo;
  /** When the record was made. */
  timestamp: Date;
}

/** Record format version AWS writes. */
export const STREAM_FAILURE_RECORD_VERSION = '1.0';

/**
 * Builds the record with AWS's key order: requestContext, responseContext (unless absent), version, timestamp,
 * then the batch info. `functionError` stays present as `null` for partial-batch and bad-response failures.
 */
export function buildStreamFailureRecord(input: StreamFailureRecordInput): Record<string, unknown> {
  const record: Record<string, unknown> = {
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
  };
  if (input.response) {
    record.responseContext = {
      statusCode: input.response.statusCode,
      executedVersion: input.response.executedVersion,
      functionError: input.response.functionError,
    };
  }
  record.version = STREAM_FAILURE_RECORD_VERSION;
  record.timestamp = input.timestamp.toISOString();
  const info = input.batchInfo;
  record[input.batchInfoKey] = {
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    approximateArrivalOfFirstRecord: info.approximateArrivalOfFirstRecord,
    approximateArrivalOfLastRecord: info.approximateArrivalOfLastRecord,
    batchSize: info.batchSize,
    streamArn: info.streamArn,
  };
  return record;
}

/** ISO arrival time as AWS prints it: Kinesis with millis ("2019-11-14T00:38:04.835Z"), DynamoDB without ("…:19Z"). */
export function arrivalTimeString(epochMillis: number, kind: BatchInfoKey): string {
  const iso = new Date(epochMillis).toISOString();
  return kind === 'KinesisBatchInfo' ? iso : iso.replace(/\.\d{3}Z$/, 'Z');
}
