import type { _Record as KinesisRecord, KinesisClient, ListShardsCommandOutput } from '@aws-sdk/client-kinesis';
import type { IteratorPosition, ShardInfo, ShardReader, ShardReaderErrorKind, ShardReadResult } from '../streams/shard-reader.js';
import { isConnectionError } from '../../src/aws/connection-error.js';
import { withSignal } from '../../src/aws/call-signal.js';
import { kinesisSdk } from '../../src/aws/sdk-packages.js';

/** GetRecords returns at most 10,000 records per call (Kinesis API reference). */
export const KINESIS_MAX_RECORDS_PER_READ = 10_000;

/** Error names of the Kinesis API, sorted by what the shard engine does about them. */
const ERROR_KINDS: Readonly<Record<string, ShardReaderErrorKind>> = {
  ExpiredIteratorException: 'expired_iterator',
  ProvisionedThroughputExceededException: 'throughput_exceeded',
  LimitExceededException: 'throughput_exceeded',
  ThrottlingException: 'throughput_exceeded',
  KMSThrottlingException: 'throughput_exceeded',
  ResourceNotFoundException: 'not_found',
};

/**
 * Reads a Kinesis data stream through the standard (polling) API: ListShards, GetShardIterator, GetRecords.
 * Requests name the stream by ARN (works across accounts) and carry the caller's AbortSignal.
 */
export class KinesisShardReader implements ShardReader<KinesisRecord> {
  readonly supportsAtTimestamp = true;
  readonly maxRecordsPerRead = KINESIS_MAX_RECORDS_PER_READ;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamArn: string,
  ) {}

  async listShards(signal: AbortSignal): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let nextToken: string | undefined;
    do {
      const page: ListShardsCommandOutput = await this.client.send(
        withSignal(new (kinesisSdk().ListShardsCommand)(nextToken ? { NextToken: nextToken } : { StreamARN: this.streamArn }), signal),
      );
      for (const shard of page.Shards ?? []) {
        if (!shard.ShardId) continue;
        shards.push({
          shardId: shard.ShardId,
          parentShardIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => !!id),
          closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  async getIterator(shardId: string, position: IteratorPosition, signal: AbortSignal): Promise<string> {
    const out = await this.client.send(
      withSignal(new (kinesisSdk().GetShardIteratorCommand)({
        StreamARN: this.streamArn,
        ShardId: shardId,
        ShardIteratorType: position.type,
        ...(position.type === 'AFTER_SEQUENCE_NUMBER' ? { StartingSequenceNumber: position.sequenceNumber } : {}),
        ...(position.type === 'AT_TIMESTAMP' ? { Timestamp: new Date(position.timestampMs) } : {}),
      }), signal),
    );
    if (!out.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
    return out.ShardIterator;
  }

  async getRecords(iterator: string, limit: number, signal: AbortSignal): Promise<ShardReadResult<KinesisRecord>> {
    const out = await this.client.send(
      withSignal(new (kinesisSdk().GetRecordsCommand)({ StreamARN: this.streamArn, ShardIterator: iterator, Limit: Math.min(limit, KINESIS_MAX_RECORDS_PER_READ) }), signal),
    );
    return {
      records: out.Records ?? [],
      nextIterator: out.NextShardIterator ?? null,
      ...(out.MillisBehindLatest !== undefined ? { millisBehindLatest: out.MillisBehindLatest } : {}),
    };
  }

  classifyError(err: unknown): ShardReaderErrorKind {
    const name = err instanceof Error ? err.name : undefined;
    return (name && ERROR_KINDS[name]) || (isConnectionError(err) ? 'unreachable' : 'other');
  }
}
