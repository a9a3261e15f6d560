import { DynamoDBStreamsClient, type _Record as DynamodbStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { DynamodbEventBuilder } from '../../../../pollers/dynamodb-streams/dynamodb-event.js';
import { DynamodbShardReader, DYNAMODB_MAX_RECORDS_PER_READ } from '../../../../pollers/dynamodb-streams/dynamodb-shard-reader.js';
import { ShardFetcher } from '../../../../pollers/streams/shard-fetcher.js';
import type { IteratorPosition, ShardReader, ShardReadResult } from '../../../../pollers/streams/shard-reader.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { Metrics } from '../../../../src/observability/metrics.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2024-01-01T00:00:00.000';

function named(name: string): Error {
  const err = new Error('message text is never read');
  err.name = name;
  return err;
}

describe('DynamodbShardReader', () => {
  // Building a client opens no socket; no request is sent here.
  const reader = new DynamodbShardReader(new DynamoDBStreamsClient({ region: 'us-east-1' }), STREAM_ARN);

  it('sorts DynamoDB Streams errors by name', () => {
    expect(reader.classifyError(named('ExpiredIteratorException'))).toBe('expired_iterator');
    expect(reader.classifyError(named('TrimmedDataAccessException'))).toBe('trimmed');
    expect(reader.classifyError(named('LimitExceededException'))).toBe('throughput_exceeded');
    expect(reader.classifyError(named('ResourceNotFoundException'))).toBe('not_found');
    expect(reader.classifyError(named('InternalServerError'))).toBe('other');
    expect(reader.classifyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }))).toBe('unreachable');
    expect(reader.classifyError('not an error')).toBe('other');
  });

  it('has no AT_TIMESTAMP iterator and reads at most 1000 records', () => {
    expect(reader.supportsAtTimestamp).toBe(false);
    expect(reader.maxRecordsPerRead).toBe(DYNAMODB_MAX_RECORDS_PER_READ);
    expect(DYNAMODB_MAX_RECORDS_PER_READ).toBe(1000);
  });
});

/** A shard of records 10, 20, …, whose oldest records were trimmed away: positions below `trimmedBelow` fail. */
class TrimmedShard implements ShardReader<DynamodbStreamRecord> {
  readonly supportsAtTimestamp = false;
  readonly maxRecordsPerRead = 1000;
  readonly positions: IteratorPosition[] = [];

  constructor(
    private readonly sequenceNumbers: readonly number[],
    private readonly trimmedBelow: number,
  ) {}

  async listShards() {
    return [];
  }

  async getIterator(_shardId: string, position: IteratorPosition): Promise<string> {
    this.positions.push(position);
    if (position.type === 'AFTER_SEQUENCE_NUMBER' && Number(position.sequenceNumber) < this.trimmedBelow) throw named('TrimmedDataAccessException');
    if (position.type === 'AFTER_SEQUENCE_NUMBER') return String(Number(position.sequenceNumber) + 1);
    return '0';
  }

  async getRecords(iterator: string): Promise<ShardReadResult<DynamodbStreamRecord>> {
    const from = Number(iterator);
    const records = this.sequenceNumbers
      .filter((n) => n >= from && n >= this.trimmedBelow)
      .map((n) => ({ eventID: `e${n}`, eventName: 'INSERT' as const, dynamodb: { Keys: { k: { N: String(n) } }, SequenceNumber: String(n).padStart(21, '0') } }));
    return { records, nextIterator: String(Number.MAX_SAFE_INTEGER) };
  }

  classifyError(err: unknown) {
    return new DynamodbShardReader(new DynamoDBStreamsClient({ region: 'us-east-1' }), STREAM_ARN).classifyError(err);
  }
}

describe('ShardFetcher on a trimmed DynamoDB position', () => {
  it('goes on from the oldest record left when the checkpoint was trimmed away', async () => {
    const shard = new TrimmedShard([10, 20, 30, 40], 30);
    const fetcher = new ShardFetcher({
      reader: shard,
      events: new DynamodbEventBuilder({ awsRegion: 'us-east-1', eventSourceArn: STREAM_ARN }),
      shardId: 'shardId-1',
      start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '000000000000000000015' },
      limit: 1000,
      metrics: new Metrics({ collectProcessMetrics: false }),
      labels: { mapping: 'm', function: 'f', source: 'dynamodb' },
      logger: createLogger('silent'),
    });
    const read = await fetcher.fetch(new AbortController().signal);
    expect(read?.records.map((record) => record.sequenceNumber)).toEqual(['000000000000000000030', '000000000000000000040']);
    expect(shard.positions).toEqual([{ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '000000000000000000015' }, { type: 'TRIM_HORIZON' }]);
  });

  it('never returns a record at or before the position it had reached', async () => {
    // The stream says "trimmed" although records after the position are still there (a race with trimming).
    const shard = new TrimmedShard([10, 20, 30, 40], 30);
    shard.getIterator = async (_shardId, position) => {
      shard.positions.push(position);
      if (position.type === 'AFTER_SEQUENCE_NUMBER') throw named('TrimmedDataAccessException');
      return '0';
    };
    const fetcher = new ShardFetcher({
      reader: shard,
      events: new DynamodbEventBuilder({ awsRegion: 'us-east-1', eventSourceArn: STREAM_ARN }),
      shardId: 'shardId-1',
      start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '30' },
      limit: 1000,
      metrics: new Metrics({ collectProcessMetrics: false }),
      labels: { mapping: 'm', function: 'f', source: 'dynamodb' },
      logger: createLogger('silent'),
    });
    const read = await fetcher.fetch(new AbortController().signal);
    expect(read?.records.map((record) => record.sequenceNumber)).toEqual(['000000000000000000040']);
  });
});
