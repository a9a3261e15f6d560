import type { Logger } from '../../src/observability/logger.js';
import type { MappingLabels, Metrics } from '../../src/observability/metrics.js';
import { compareSequenceNumbers } from '../../src/checkpoints/sequence-number.js';
import { ERROR_BACKOFF, UNREACHABLE_BACKOFF, exponentialDelayMs, sleep, type ExponentialBackoff } from '../../src/runtime/backoff.js';
import type { IteratorPosition, ShardReader, ShardReaderErrorKind, ShardReadResult } from './shard-reader.js';
import type { StreamEventBuilder, StreamRecord } from './stream-event-builder.js';
import { buildStreamRecord } from './build-stream-record.js';
import type { FetchOptions, FetchResult, ShardFeed } from './shard-feed.js';

export type { FetchResult };

/** A GetRecords call as it ended: its page, or what it threw (handled where the page is taken). */
type PageRead<R> = { readonly result: ShardReadResult<R>; readonly requestedAtMs: number } | { readonly error: unknown };

export interface ShardFetcherOptions<R> {
  readonly reader: ShardReader<R>;
  readonly events: StreamEventBuilder<R>;
  readonly shardId: string;
  readonly start: IteratorPosition;
  /** Records that arrived before this (epoch ms) are skipped until the first one at or after it. */
  readonly skipArrivedBeforeMs?: number;
  /**
   * Where a `LATEST` start goes on when its iterator must be taken again before anything was read (expired,
   * refused): the pinned start, re-derived, never a fresh LATEST that would skip what arrived in between.
   */
  readonly latestResumesAt?: { readonly start: IteratorPosition; readonly skipArrivedBeforeMs?: number };
  /** Records per read to begin with (see {@link readLimit}); throttled reads double it up to the reader's most. */
  readonly limit: number;
  readonly metrics: Metrics;
  readonly labels: MappingLabels;
  readonly logger: Logger;
  readonly random?: () => number;
  /** Wall clock, epoch ms. @defaultValue Date.now */
  readonly now?: () => number;
}

/**
 * Reads one shard in order: keeps its iterator, renews it when it expires (from the last record read, or the
 * start position when nothing was read yet), and retries failed reads with jittered exponential backoff —
 * throughput exceeded and service errors alike — until it succeeds or is aborted. Records come out built as
 * Lambda event records.
 *
 * A position the stream has already trimmed (DynamoDB Streams' TrimmedDataAccessException: the shard was not
 * read within its 24 h retention) can never be read again; reading goes on from the oldest record left, as
 * Lambda does when records expire, and never returns a record at or before the position it had reached.
 */
export class ShardFetcher<R> implements ShardFeed {
  readonly pushes = false;
  private iterator: string | undefined;
  private lastSequenceNumber: string | undefined;
  private start: IteratorPosition;
  /** After a restart at the trim horizon: records up to this sequence number were seen already. */
  private skipThrough: string | undefined;
  /** Records that arrived before this epoch ms precede the start (a pinned start read from TRIM_HORIZON). */
  private skipArrivedBefore: number | undefined;
  private finished = false;
  private failures = 0;
  /** The position that was found trimmed, until the first record after it is read (for the gap's log line). */
  private trimmedAfter: string | undefined;
  /** Records asked for per read. */
  private limit: number;
  /** An iterator was taken from the start position at least once. */
  private startTaken = false;
  /** The next page, asked for while the last one was being built (see {@link FetchOptions.readAhead}). */
  private nextPage: Promise<PageRead<R>> | undefined;
  private readonly random: () => number;

  constructor(private readonly options: ShardFetcherOptions<R>) {
    this.random = options.random ?? Math.random;
    this.start = options.start;
    this.skipArrivedBefore = options.skipArrivedBeforeMs;
    this.limit = options.limit;
  }

  /** The shard is closed and fully read. */
  get ended(): boolean {
    return this.finished;
  }

  /** Reads once; undefined when `signal` aborted first. Errors are retried here and never thrown. */
  async fetch(signal: AbortSignal, options: FetchOptions = {}): Promise<FetchResult | undefined> {
    const { reader, shardId, metrics, labels, logger } = this.options;
    while (!signal.aborted) {
      try {
        const page = await this.takePage(signal);
        if ('error' in page) throw page.error;
        const { result, requestedAtMs } = page;
        this.failures = 0;
        // A full page says more is waiting: the next one is read while this one is built into events.
        if (options.readAhead && result.nextIterator !== null && result.records.length >= this.limit) this.nextPage = this.readPage(result.nextIterator, signal);
        const read = result.records.map((record) => this.build(record));
        let records = read;
        if (this.trimmedAfter !== undefined && read.length > 0) {
          const first = read[0]!;
          logger.warn(
            { shardId, after: this.trimmedAfter, resumedAt: first.sequenceNumber, resumedAtArrival: new Date(first.arrivalEpochMs).toISOString() },
            'shard_trim_gap',
          );
          this.trimmedAfter = undefined;
        }
        if (this.skipThrough !== undefined && records.length > 0) {
          const floor = this.skipThrough;
          records = records.filter((record) => compareSequenceNumbers(record.sequenceNumber, floor) > 0);
          if (records.length > 0) this.skipThrough = undefined;
        }
        if (this.skipArrivedBefore !== undefined && records.length > 0) {
          // Only up to the first record at or after the start: arrival times are approximate, order is not.
          const floor = this.skipArrivedBefore;
          const first = records.findIndex((record) => record.arrivalEpochMs >= floor);
          records = first < 0 ? [] : records.slice(first);
          if (first >= 0) this.skipArrivedBefore = undefined;
        }
        // Records skipped above are never to be read again: the position moves past them too.
        if (read.length > 0) this.lastSequenceNumber = read[read.length - 1]!.sequenceNumber;
        metrics.polledEvents.inc(labels, records.length);
        if (result.nextIterator === null) {
          this.finished = true;
          this.iterator = undefined;
        } else this.iterator = result.nextIterator;
        // Skipped records count as read: a backlog being skipped is read back-to-back.
        const caughtUp = read.length === 0 || (result.millisBehindLatest === 0 && read.length < this.limit);
        return { records, caughtUp, ended: this.finished, requestedAtMs };
      } catch (err) {
        if (signal.aborted) return undefined;
        const kind = reader.classifyError(err);
        if (kind === 'expired_iterator') {
          // Not a failure: iterators live 5 min (Kinesis) / 15 min (DynamoDB); a new one resumes where we were.
          logger.info({ shardId, after: this.lastSequenceNumber }, 'shard_iterator_expired');
          this.iterator = undefined;
          continue;
        }
        const position = this.position();
        if (kind === 'trimmed' && position.type === 'AFTER_SEQUENCE_NUMBER') {
          logger.warn({ shardId, err, after: position.sequenceNumber }, 'shard_position_trimmed');
          metrics.trimmedPositions.inc(labels);
          this.trimmedAfter ??= position.sequenceNumber;
          this.start = { type: 'TRIM_HORIZON' };
          this.lastSequenceNumber = undefined;
          // Never lower a floor already set: records up to it were returned before.
          const seen = this.skipThrough;
          this.skipThrough = seen !== undefined && compareSequenceNumbers(seen, position.sequenceNumber) > 0 ? seen : position.sequenceNumber;
          this.iterator = undefined;
          continue;
        }
        this.failures += 1;
        // Reads are rationed per shard (Kinesis: five a second, shared by the stream's consumers): fewer, larger
        // reads carry the same records.
        if (kind === 'throughput_exceeded') this.limit = Math.min(reader.maxRecordsPerRead, this.limit * 2);
        // A trimmed iterator that has read nothing is refused forever: get a fresh one from the start position.
        this.iterator = kind === 'not_found' || kind === 'trimmed' ? undefined : this.iterator;
        metrics.pollingErrors.inc(labels);
        const delayMs = exponentialDelayMs(readRetryBackoff(kind), this.failures, this.random);
        logger.warn({ shardId, err, kind, failures: this.failures, delayMs }, 'shard_read_failed');
        if (!(await sleep(delayMs, signal))) return undefined;
      }
    }
    return undefined;
  }

  /** The page read ahead, or a new read from the current iterator (taken first when there is none). */
  private async takePage(signal: AbortSignal): Promise<PageRead<R>> {
    const ahead = this.nextPage;
    this.nextPage = undefined;
    if (ahead) return ahead;
    this.iterator ??= await this.options.reader.getIterator(this.options.shardId, this.position(), signal);
    return this.readPage(this.iterator, signal);
  }

  /** One GetRecords call; never rejects, so a page read ahead that nobody takes fails silently. */
  private readPage(iterator: string, signal: AbortSignal): Promise<PageRead<R>> {
    const requestedAtMs = (this.options.now ?? Date.now)();
    return this.options.reader.getRecords(iterator, this.limit, signal).then(
      (result) => ({ result, requestedAtMs }),
      (error: unknown) => ({ error }),
    );
  }

  private build(record: R): StreamRecord {
    return buildStreamRecord(record, this.options.shardId, this.options);
  }

  /** Nothing is held open between reads; a page read ahead ends with the signal it was asked with. */
  close(): void {
    this.nextPage = undefined;
  }

  private position(): IteratorPosition {
    if (this.lastSequenceNumber !== undefined) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.lastSequenceNumber };
    const resume = this.options.latestResumesAt;
    if (this.startTaken && this.start.type === 'LATEST' && resume) {
      this.start = resume.start;
      if (resume.skipArrivedBeforeMs !== undefined) this.skipArrivedBefore = resume.skipArrivedBeforeMs;
      this.options.logger.info({ shardId: this.options.shardId, position: this.start, skipArrivedBeforeMs: this.skipArrivedBefore }, 'shard_latest_resumed_from_pin');
    }
    this.startTaken = true;
    return this.start;
  }
}

/**
 * The smallest read limit. Below it, a small BatchSize would turn each batch into a read of its own and a backlog
 * would be read a few records per round trip; at 1,000 a shard still reads five times its highest write rate
 * (1,000 records/s) within Kinesis's five reads per second.
 */
export const MIN_READ_LIMIT = 1_000;

/**
 * Records asked for per read while polling, to begin with: what the shard's lanes take in one round (BatchSize ×
 * lanes), at least {@link MIN_READ_LIMIT}, at most what the service returns. A read sized to the batches lets the
 * next batch be read while one runs; a read of the service's most would hold the lanes until a whole backlog's slice
 * came back. A shard whose reads are throttled reads more per call (see ShardFetcher).
 */
export function readLimit(maxRecordsPerRead: number, batchSize: number, lanes: number): number {
  return Math.min(maxRecordsPerRead, Math.max(MIN_READ_LIMIT, batchSize * lanes));
}

/** The backoff between failed reads of a shard: short while the endpoint does not answer at all, longer otherwise. */
export function readRetryBackoff(kind: ShardReaderErrorKind): ExponentialBackoff {
  return kind === 'unreachable' ? UNREACHABLE_BACKOFF : ERROR_BACKOFF;
}
