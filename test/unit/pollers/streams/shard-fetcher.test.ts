import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/observability/logger.js';
import { Metrics } from '../../../../src/observability/metrics.js';
import { MIN_READ_LIMIT, ShardFetcher, readLimit, readRetryBackoff, type ShardFetcherOptions } from '../../../../pollers/streams/shard-fetcher.js';
import { exponentialDelayMs } from '../../../../src/runtime/backoff.js';
import type { IteratorPosition, ShardInfo, ShardReader, ShardReaderErrorKind, ShardReadResult } from '../../../../pollers/streams/shard-reader.js';
import type { StreamEventBuilder } from '../../../../pollers/streams/stream-event-builder.js';

/** An error as a stream service names it. */
function serviceError(name: string): Error {
  const err = new Error(name);
  err.name = name;
  return err;
}

/**
 * One in-memory shard behind the ShardReader contract. An iterator is the index of the next record plus a
 * generation; `failNext` makes the next GetRecords calls throw, `staleBefore` refuses iterators of older
 * generations with the given error (as a service does with expired or trimmed iterators).
 */
class MemoryShard implements ShardReader<string> {
  readonly supportsAtTimestamp = false;
  readonly maxRecordsPerRead: number;
  readonly positions: IteratorPosition[] = [];
  readonly iteratorsRead: string[] = [];
  /** The limit of every GetRecords call, failed ones included. */
  readonly limits: number[] = [];
  readonly failNext: string[] = [];
  /** Iterator → error name: the next GetRecords from that iterator throws it. */
  readonly failIterators = new Map<string, string>();
  staleBefore: { generation: number; error: string } | undefined;
  private generation = 0;

  constructor(
    readonly sequenceNumbers: string[],
    readonly closed: boolean,
    perRead: number,
  ) {
    this.maxRecordsPerRead = perRead;
  }

  async listShards(): Promise<ShardInfo[]> {
    return [{ shardId: 's-1', parentShardIds: [], closed: this.closed }];
  }

  async getIterator(_shardId: string, position: IteratorPosition): Promise<string> {
    this.positions.push(position);
    this.generation += 1;
    let index = 0;
    if (position.type === 'AFTER_SEQUENCE_NUMBER') index = this.sequenceNumbers.indexOf(position.sequenceNumber) + 1;
    if (position.type === 'LATEST') index = this.sequenceNumbers.length;
    return `${this.generation}:${index}`;
  }

  async getRecords(iterator: string, limit: number): Promise<ShardReadResult<string>> {
    this.iteratorsRead.push(iterator);
    this.limits.push(limit);
    const failure = this.failNext.shift() ?? this.failIterators.get(iterator);
    this.failIterators.delete(iterator);
    if (failure) throw serviceError(failure);
    const [generation, index] = iterator.split(':').map(Number) as [number, number];
    if (this.staleBefore && generation < this.staleBefore.generation) throw serviceError(this.staleBefore.error);
    const records = this.sequenceNumbers.slice(index, index + limit);
    const next = index + records.length;
    const atEnd = next >= this.sequenceNumbers.length;
    return {
      records,
      nextIterator: atEnd && this.closed ? null : `${generation}:${next}`,
      millisBehindLatest: atEnd ? 0 : 1_000,
    };
  }

  classifyError(err: unknown): ShardReaderErrorKind {
    const kinds: Record<string, ShardReaderErrorKind> = {
      ExpiredIteratorException: 'expired_iterator',
      TrimmedDataAccessException: 'trimmed',
      LimitExceededException: 'throughput_exceeded',
    };
    return (err instanceof Error && kinds[err.name]) || 'other';
  }
}

/** Arrival time of a record, epoch ms (0 unless a test sets one). */
const arrivals = new Map<string, number>();

/** Records whose event cannot be built (the builder throws for them). */
const unbuildable = new Set<string>();

const events: StreamEventBuilder<string> = {
  source: 'dynamodb',
  batchInfoKey: 'DDBStreamBatchInfo',
  build: (sequenceNumber) => {
    if (unbuildable.has(sequenceNumber)) throw new TypeError(`cannot convert ${sequenceNumber}`);
    return {
      event: { sequenceNumber },
      json: `{"sequenceNumber":"${sequenceNumber}"}`,
      sequenceNumber,
      arrivalEpochMs: arrivals.get(sequenceNumber) ?? 0,
      partitionKey: 'k',
    };
  },
  identify: (sequenceNumber) => ({ sequenceNumber, arrivalEpochMs: arrivals.get(sequenceNumber) ?? 0, partitionKey: 'k' }),
};

function fetcherOf(
  shard: MemoryShard,
  start: IteratorPosition = { type: 'TRIM_HORIZON' },
  skipArrivedBeforeMs?: number,
  overrides: Partial<ShardFetcherOptions<string>> = {},
): ShardFetcher<string> {
  return new ShardFetcher({
    reader: shard,
    events,
    shardId: 's-1',
    start,
    ...(skipArrivedBeforeMs !== undefined ? { skipArrivedBeforeMs } : {}),
    limit: shard.maxRecordsPerRead,
    metrics: new Metrics({ collectProcessMetrics: false }),
    labels: { mapping: 'm', function: 'f', source: 'dynamodb' },
    logger: createLogger('silent', { write: () => undefined }),
    // Shortest backoff the policy allows (half of the base delay).
    random: () => 1,
    ...overrides,
  });
}

/** Reads until the shard ends or `reads` reads were made; the sequence numbers in order. */
async function readAll(fetcher: ShardFetcher<string>, reads: number, signal: AbortSignal): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < reads && !fetcher.ended; i += 1) {
    const result = await fetcher.fetch(signal);
    if (!result) break;
    seen.push(...result.records.map((record) => record.sequenceNumber));
  }
  return seen;
}

const seqs = (count: number) => Array.from({ length: count }, (_, i) => String(100 + i));

describe('ShardFetcher', () => {
  it('takes a LATEST iterator lost before the first read again from the pin, not from a fresh LATEST', async () => {
    const shard = new MemoryShard(seqs(3), false, 10);
    const fetcher = fetcherOf(shard, { type: 'LATEST' }, undefined, {
      latestResumesAt: { start: { type: 'TRIM_HORIZON' }, skipArrivedBeforeMs: 60_000 },
    });
    // The first iterator (LATEST) expires before its first read; meanwhile two records arrived after the pin.
    shard.staleBefore = { generation: 2, error: 'ExpiredIteratorException' };
    shard.sequenceNumbers.push('103', '104');
    arrivals.set('103', 120_000).set('104', 120_000);

    const read = await fetcher.fetch(AbortSignal.timeout(5_000));

    expect(shard.positions).toEqual([{ type: 'LATEST' }, { type: 'TRIM_HORIZON' }]);
    expect(read?.records.map((record) => record.sequenceNumber)).toEqual(['103', '104']);
  });

  it('hands a record it cannot build on, marked with its error, instead of failing the read again and again', async () => {
    unbuildable.add('101');
    try {
      const shard = new MemoryShard(seqs(3), true, 10);
      const metrics = new Metrics({ collectProcessMetrics: false });
      const fetcher = fetcherOf(shard, { type: 'TRIM_HORIZON' }, undefined, { metrics });

      const read = await fetcher.fetch(AbortSignal.timeout(5_000));

      expect(read?.records.map((record) => [record.sequenceNumber, record.buildError !== undefined])).toEqual([
        ['100', false],
        ['101', true],
        ['102', false],
      ]);
      expect(shard.iteratorsRead).toHaveLength(1);
      expect((await metrics.eventBuildFailures.get()).values.map((value) => value.value)).toEqual([1]);
      expect((await metrics.pollingErrors.get()).values.map((value) => value.value)).toEqual([]);
    } finally {
      unbuildable.delete('101');
    }
  });

  it('renews an iterator that expired mid-shard right after the last record read: no gap, no repeat', async () => {
    const shard = new MemoryShard(seqs(6), true, 2);
    const fetcher = fetcherOf(shard);
    const first = await fetcher.fetch(AbortSignal.timeout(5_000));
    expect(first?.records.map((record) => record.sequenceNumber)).toEqual(['100', '101']);

    shard.staleBefore = { generation: 2, error: 'ExpiredIteratorException' };
    const rest = await readAll(fetcher, 10, AbortSignal.timeout(5_000));

    expect(rest).toEqual(['102', '103', '104', '105']);
    expect(fetcher.ended).toBe(true);
    expect(shard.positions).toEqual([{ type: 'TRIM_HORIZON' }, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '101' }]);
  });

  it('keeps its iterator through throttled reads and goes on where it was', async () => {
    const shard = new MemoryShard(seqs(4), true, 2);
    const fetcher = fetcherOf(shard);
    await fetcher.fetch(AbortSignal.timeout(5_000));
    shard.failNext.push('LimitExceededException', 'LimitExceededException');

    const rest = await readAll(fetcher, 10, AbortSignal.timeout(5_000));

    expect(rest).toEqual(['102', '103']);
    expect(shard.positions).toHaveLength(1);
    expect(shard.iteratorsRead.slice(1, 4)).toEqual(['1:2', '1:2', '1:2']);
  });

  it('restarts from the trim horizon when its position was trimmed, never returning a record at or before it', async () => {
    const shard = new MemoryShard(seqs(6), true, 2);
    const fetcher = fetcherOf(shard);
    await fetcher.fetch(AbortSignal.timeout(5_000));
    // The stream trimmed 100 and 101 meanwhile, and the iterator after 101 is refused.
    shard.sequenceNumbers.splice(0, 2);
    shard.staleBefore = { generation: 2, error: 'TrimmedDataAccessException' };
    shard.failNext.push('TrimmedDataAccessException');

    const rest = await readAll(fetcher, 10, AbortSignal.timeout(5_000));

    expect(rest).toEqual(['102', '103', '104', '105']);
  });

  it('counts a trimmed position and logs the gap: the position lost and the first record read after it', async () => {
    const shard = new MemoryShard(seqs(6), true, 2);
    const metrics = new Metrics({ collectProcessMetrics: false });
    const lines: Record<string, unknown>[] = [];
    const fetcher = fetcherOf(shard, { type: 'TRIM_HORIZON' }, undefined, {
      metrics,
      logger: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }),
    });
    await fetcher.fetch(AbortSignal.timeout(5_000));
    shard.sequenceNumbers.splice(0, 4);
    shard.staleBefore = { generation: 2, error: 'TrimmedDataAccessException' };
    shard.failNext.push('TrimmedDataAccessException');

    expect(await readAll(fetcher, 10, AbortSignal.timeout(5_000))).toEqual(['104', '105']);

    expect((await metrics.trimmedPositions.get()).values.map((value) => value.value)).toEqual([1]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'shard_trim_gap', shardId: 's-1', after: '101', resumedAt: '104' }));
  });

  it('gets a fresh iterator when one that has read nothing yet is refused as trimmed, instead of retrying it forever', async () => {
    const shard = new MemoryShard(seqs(3), true, 10);
    shard.staleBefore = { generation: 2, error: 'TrimmedDataAccessException' };
    const fetcher = fetcherOf(shard);

    const seen = await readAll(fetcher, 5, AbortSignal.timeout(4_000));

    expect(seen).toEqual(['100', '101', '102']);
    expect(fetcher.ended).toBe(true);
  });

  it('skips the records that arrived before the start up to the first one at or after it, and never reads them again', async () => {
    const numbers = ['900', '901', '902', '903', '904', '905'];
    [10, 20, 30, 40, 35, 50].forEach((arrival, i) => arrivals.set(numbers[i]!, arrival));
    const shard = new MemoryShard(numbers, true, 2);
    const fetcher = fetcherOf(shard, { type: 'TRIM_HORIZON' }, 30);

    const first = await fetcher.fetch(AbortSignal.timeout(5_000));
    // Nothing to deliver in this read, but the shard is not caught up: the next read follows at once.
    expect(first).toMatchObject({ records: [], caughtUp: false });
    shard.staleBefore = { generation: 2, error: 'ExpiredIteratorException' };
    const rest = await readAll(fetcher, 10, AbortSignal.timeout(5_000));

    // 904 arrived "earlier" than 903 (approximate clocks) but after the start was found: it is delivered.
    expect(rest).toEqual(['902', '903', '904', '905']);
    expect(shard.positions[1]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '901' });
  });

  it('returns undefined at once when aborted during a backoff, without throwing', async () => {
    const shard = new MemoryShard(seqs(2), false, 2);
    shard.failNext.push('InternalServerError', 'InternalServerError', 'InternalServerError');
    const fetcher = fetcherOf(shard);
    const controller = new AbortController();
    const pending = fetcher.fetch(controller.signal);
    controller.abort();
    expect(await pending).toBeUndefined();
  });
});

describe('readRetryBackoff', () => {
  it('retries a shard whose endpoint did not answer within 5 s, one whose endpoint answered with an error within 30 s', () => {
    const longest = (kind: Parameters<typeof readRetryBackoff>[0]) => exponentialDelayMs(readRetryBackoff(kind), 20, () => 0);
    expect(longest('unreachable')).toBe(5_000);
    expect(longest('other')).toBe(30_000);
    expect(longest('not_found')).toBe(30_000);
    expect(exponentialDelayMs(readRetryBackoff('unreachable'), 1, () => 0)).toBe(500);
  });
});

describe('ShardFetcher reading ahead', () => {
  it('asks for the next page as soon as a full page arrives, and the next fetch takes it: every page read once, in order', async () => {
    const shard = new MemoryShard(seqs(5), true, 2);
    const fetcher = fetcherOf(shard);
    const signal = AbortSignal.timeout(5_000);

    const first = await fetcher.fetch(signal, { readAhead: true });

    expect(first?.records.map((record) => record.sequenceNumber)).toEqual(['100', '101']);
    expect(shard.iteratorsRead).toEqual(['1:0', '1:2']);
    const seen: string[] = [];
    while (!fetcher.ended) seen.push(...((await fetcher.fetch(signal, { readAhead: true }))?.records ?? []).map((record) => record.sequenceNumber));
    expect(seen).toEqual(['102', '103', '104']);
    // The last page was not full: nothing was read after it.
    expect(shard.iteratorsRead).toEqual(['1:0', '1:2', '1:4']);
  });

  it('reads no page ahead unless asked, nor after a page that was not full', async () => {
    const shard = new MemoryShard(seqs(3), false, 2);
    const fetcher = fetcherOf(shard);
    await fetcher.fetch(AbortSignal.timeout(5_000));
    expect(shard.iteratorsRead).toEqual(['1:0']);
    await fetcher.fetch(AbortSignal.timeout(5_000), { readAhead: true });
    expect(shard.iteratorsRead).toEqual(['1:0', '1:2']);
  });

  it('takes a new iterator after the last record handed out when the page read ahead found its iterator expired', async () => {
    const shard = new MemoryShard(seqs(5), true, 2);
    shard.failIterators.set('1:2', 'ExpiredIteratorException');
    const fetcher = fetcherOf(shard);
    const signal = AbortSignal.timeout(5_000);

    const seen: string[] = [];
    while (!fetcher.ended) seen.push(...((await fetcher.fetch(signal, { readAhead: true }))?.records ?? []).map((record) => record.sequenceNumber));

    expect(seen).toEqual(['100', '101', '102', '103', '104']);
    expect(shard.positions).toEqual([{ type: 'TRIM_HORIZON' }, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '101' }]);
  });

  it('retries a page read ahead that failed from the same iterator, after the backoff', async () => {
    const shard = new MemoryShard(seqs(5), true, 2);
    shard.failIterators.set('1:2', 'InternalFailure');
    const metrics = new Metrics({ collectProcessMetrics: false });
    const fetcher = fetcherOf(shard, { type: 'TRIM_HORIZON' }, undefined, { metrics });
    const signal = AbortSignal.timeout(5_000);

    const seen: string[] = [];
    while (!fetcher.ended) seen.push(...((await fetcher.fetch(signal, { readAhead: true }))?.records ?? []).map((record) => record.sequenceNumber));

    expect(seen).toEqual(['100', '101', '102', '103', '104']);
    expect(shard.iteratorsRead).toEqual(['1:0', '1:2', '1:2', '1:4']);
    expect((await metrics.pollingErrors.get()).values.map((value) => value.value)).toEqual([1]);
  });
});

describe('ShardFetcher read size', () => {
  it('doubles the records asked per read after a throttled read, up to the reader\'s most', async () => {
    const shard = new MemoryShard(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'], false, 8);
    const fetcher = fetcherOf(shard, { type: 'TRIM_HORIZON' }, undefined, { limit: 2 });
    const signal = new AbortController().signal;
    expect((await fetcher.fetch(signal))?.records.map((record) => record.sequenceNumber)).toEqual(['1', '2']);
    shard.failNext.push('LimitExceededException');
    expect((await fetcher.fetch(signal))?.records.map((record) => record.sequenceNumber)).toEqual(['3', '4', '5', '6']);
    shard.failNext.push('LimitExceededException', 'LimitExceededException');
    expect((await fetcher.fetch(signal))?.records.map((record) => record.sequenceNumber)).toEqual(['7', '8', '9', '10', '11', '12']);
    expect(shard.limits).toEqual([2, 2, 4, 4, 8, 8]);
  });

  it('keeps its read size after other failures', async () => {
    const shard = new MemoryShard(['1', '2', '3', '4'], false, 8);
    const fetcher = fetcherOf(shard, { type: 'TRIM_HORIZON' }, undefined, { limit: 2 });
    shard.failNext.push('InternalFailure');
    expect((await fetcher.fetch(new AbortController().signal))?.records.map((record) => record.sequenceNumber)).toEqual(['1', '2']);
    expect(shard.limits).toEqual([2, 2]);
  });
});

describe('readLimit', () => {
  it('asks for what the lanes take in one round, at least 1,000 and at most what the service returns', () => {
    expect(readLimit(10_000, 100, 1)).toBe(MIN_READ_LIMIT);
    expect(readLimit(10_000, 1_000, 1)).toBe(1_000);
    expect(readLimit(10_000, 500, 10)).toBe(5_000);
    expect(readLimit(10_000, 10_000, 10)).toBe(10_000);
    expect(readLimit(1_000, 10_000, 1)).toBe(1_000);
  });
});
