import type { _Record as DynamodbStreamRecord, DescribeStreamCommandOutput, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { IteratorPosition, ShardInfo, ShardReader, ShardReaderErrorKind, ShardReadResult } from '../streams/shard-reader.js';
import { isConnectionError } from '../../src/aws/connection-error.js';
import { withSignal } from '../../src/aws/call-signal.js';
import { dynamodbStreamsSdk } from '../../src/aws/sdk-packages.js';

/** GetRecords returns at most 1,000 records per call (DynamoDB Streams API reference). */
export const DYNAMODB_MAX_RECORDS_PER_READ = 1_000;
/** DescribeStream lists at most 100 shards per call (DynamoDB Streams API reference). */
export const DYNAMODB_MAX_SHARDS_PER_DESCRIBE = 100;

/** Error names of the DynamoDB Streams API, sorted by what the shard engine does about them. */
const ERROR_KINDS: Readonly<Record<string, ShardReaderErrorKind>> = {
  ExpiredIteratorException: 'expired_iterator',
  TrimmedDataAccessException: 'trimmed',
  LimitExceededException: 'throughput_exceeded',
  ThrottlingException: 'throughput_exceeded',
  ResourceNotFoundException: 'not_found',
};

/**
 * Reads a DynamoDB stream: DescribeStream (all pages) for the shards and their lineage, GetShardIterator,
 * GetRecords. DynamoDB Streams has no AT_TIMESTAMP iterator: the engine reads a LATEST mapping's pinned shards
 * from TRIM_HORIZON and skips what was created before the pin.
 * Requests carry the caller's AbortSignal.
 */
export class DynamodbShardReader implements ShardReader<DynamodbStreamRecord> {
  readonly supportsAtTimestamp = false;
  readonly maxRecordsPerRead = DYNAMODB_MAX_RECORDS_PER_READ;

  constructor(
    private readonly client: DynamoDBStreamsClient,
    private readonly streamArn: string,
  ) {}

  async listShards(signal: AbortSignal): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const page: DescribeStreamCommandOutput = await this.client.send(
        withSignal(new (dynamodbStreamsSdk().DescribeStreamCommand)({
          StreamArn: this.streamArn,
          Limit: DYNAMODB_MAX_SHARDS_PER_DESCRIBE,
          ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
        }), signal),
      );
      for (const shard of page.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId) continue;
        shards.push({
          shardId: shard.ShardId,
          parentShardIds: shard.ParentShardId ? [shard.ParentShardId] : [],
          closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        });
      }
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  async getIterator(shardId: string, position: IteratorPosition, signal: AbortSignal): Promise<string> {
    if (position.type === 'AT_TIMESTAMP') throw new RangeError('DynamoDB Streams has no AT_TIMESTAMP iterator');
    const out = await this.client.send(
      withSignal(new (dynamodbStreamsSdk().GetShardIteratorCommand)({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ShardIteratorType: position.type,
        ...(position.type === 'AFTER_SEQUENCE_NUMBER' ? { SequenceNumber: position.sequenceNumber } : {}),
      }), signal),
    );
    if (!out.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
    return out.ShardIterator;
  }

  async getRecords(iterator: string, limit: number, signal: AbortSignal): Promise<ShardReadResult<DynamodbStreamRecord>> {
    const out = await this.client.send(
      withSignal(new (dynamodbStreamsSdk().GetRecordsCommand)({ ShardIterator: iterator, Limit: Math.min(limit, DYNAMODB_MAX_RECORDS_PER_READ) }), signal),
    );
    return { records: out.Records ?? [], nextIterator: out.NextShardIterator ?? null };
  }

  classifyError(err: unknown): ShardReaderErrorKind {
    const name = err instanceof Error ? err.name : undefined;
    return (name && ERROR_KINDS[name]) || (isConnectionError(err) ? 'unreachable' : 'other');
  }
}
