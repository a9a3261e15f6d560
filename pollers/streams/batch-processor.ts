import { randomUUID } from 'node:crypto';
import { parseBatchItemFailures, lowestSequenceNumber } from '../../src/batch/batch-item-failures.js';
import type { OnFailureDestinations } from '../../src/destinations/on-failure-destination.js';
import type { BatchInfoKey, StreamFailureCondition } from '../../src/destinations/stream-failure-record.js';
import { isFunctionError, type InvokeOutcome } from '../../src/functions/invoker.js';
import type { LambdaFunction } from '../../src/functions/lambda-function.js';
import { reportsBatchItemFailures, type EventSourceMapping, type SourceKind } from '../../src/mappings/event-source-mapping.js';
import { PROBLEM_EVENT_BUILD_FAILED, PROBLEM_FUNCTION_CALL_FAILED, PROCESSING_OK, type MappingStatus } from '../../src/mappings/mapping-status.js';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../../src/batch/invoke-payload-limit.js';
import type { Logger } from '../../src/observability/logger.js';
import { NO_JOURNAL, type JournalHandle, type MappingJournal } from '../../src/journal/journal-entry.js';
import type { MappingLabels, Metrics } from '../../src/observability/metrics.js';
import type { WindowCheckpoint } from '../../src/checkpoints/shard-checkpoint.js';
import { raceAbort } from '../../src/runtime/abortable.js';
import { ERROR_BACKOFF, FUNCTION_ERROR_BACKOFF, exponentialDelayMs, sleep } from '../../src/runtime/backoff.js';
import { eventPayload, failureDeliveryOf, type LastInvocation } from './failure-delivery.js';
import { bisect, decideRetry, expiredPrefixLength, type FailureKind, type RetrySettings } from './retry-policy.js';
import type { StreamRecord } from './stream-event-builder.js';
import { EMPTY_WINDOW_STATE, parseWindowResponse, stateOutgrown, windowEventPayload } from './tumbling-window.js';

/** Records just settled — succeeded, or discarded with their failure record queued — and the window they leave. */
export interface Settled {
  /** Sequence numbers, in shard order (none when only the window changed). */
  readonly sequenceNumbers: readonly string[];
  /** With tumbling windows: the shard's open window after these records (`null`: it closed). */
  readonly window?: WindowCheckpoint | null;
}

/** How processing a batch ended. */
export type BatchProcessResult =
  /** Every record was settled (succeeded or discarded). */
  | 'completed'
  /** Stopped before that (shutdown, lease lost, drain deadline): the unsettled rest is left to be read again. */
  | 'interrupted';

export interface BatchProcessorOptions {
  readonly mapping: EventSourceMapping;
  readonly fn: LambdaFunction;
  readonly destinations: OnFailureDestinations;
  readonly metrics: Metrics;
  readonly labels: MappingLabels;
  readonly logger: Logger;
  readonly status: MappingStatus;
  readonly settings: RetrySettings;
  readonly source: SourceKind;
  readonly batchInfoKey: BatchInfoKey;
  readonly streamArn: string;
  readonly shardId: string;
  /** Aborts retries and waits (shutdown or lease lost); an invocation in flight is still awaited. */
  readonly halt: AbortSignal;
  /** Aborts waiting for an invocation in flight (the drain deadline passed). */
  readonly drain: AbortSignal;
  /** Asked before each invocation: false when the shard's lease turned out lost (the caller then halts). */
  readonly leaseHeld?: () => Promise<boolean>;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Largest event sent to the function, bytes. @defaultValue {@link MAX_INVOKE_PAYLOAD_BYTES} (6 MB) */
  readonly maxPayloadBytes?: number;
  /** Where each invocation and the decision after it are recorded. */
  readonly journal?: MappingJournal;
}

/** Records still to process and their history. */
interface Slice {
  records: readonly StreamRecord[];
  /** Counted retries made. */
  retries: number;
  /** Consecutive uncounted failures (throttles, invoke errors). */
  uncounted: number;
  /** Invocations made with these records (across bisection). */
  invokes: number;
  last?: LastInvocation;
  /** The journal entry of the latest invocation, told what happened next. */
  entry?: JournalHandle;
}

/** One invocation and what it means; `state` is what a windowed invocation returned. */
type Attempt =
  | { readonly kind: 'success'; readonly state?: string; readonly invalidResponse?: undefined }
  | {
      readonly kind: 'partial';
      readonly failedFrom: number;
      readonly failedCount: number;
      readonly failedIds: readonly string[];
      readonly state?: string;
      readonly invalidResponse?: undefined;
    }
  /** `invalidResponse`: why a partial batch response made the whole batch fail. */
  | { readonly kind: Exclude<FailureKind, 'partial'>; readonly invalidResponse?: string };

/**
 * Invokes the function with one stream batch until every record is settled, exactly as Lambda does for Kinesis
 * and DynamoDB Streams (spec §3.4, §3.6, §3.7): retries with backoff, bisection, partial batch responses,
 * MaximumRecordAgeInSeconds checked before every invocation, and on-failure records queued durably before the
 * records count as settled.
 *
 * Progress is a value: `process()` yields each group of records as it settles them, strictly in order, and goes on
 * only once the caller has taken it (the caller checkpoints it); it returns how the batch ended. The processor
 * never writes a checkpoint itself.
 *
 * With tumbling windows (spec §2.4) a batch holds records of one window and is given the window's state: every
 * invocation carries it, every success hands on the state the function returned (a response without one is a
 * failed invocation), and every settled group says what the window became. A state above the limit ends the window
 * early (its final invoke, then `{}`). `closeWindow()` makes a window's final invoke, retried until it succeeds.
 */
export class BatchProcessor {
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: BatchProcessorOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /**
   * Processes one batch until every record is settled.
   * @param window with tumbling windows: the window of every record of the batch, with its state so far
   */
  async *process(records: readonly StreamRecord[], window?: WindowCheckpoint): AsyncGenerator<Settled, BatchProcessResult, void> {
    const { settings } = this.options;
    const queue: Slice[] = [{ records, retries: 0, uncounted: 0, invokes: 0 }];
    /** The window as the batch moves it on. */
    let open = window;
    const settledOf = (done: readonly StreamRecord[]): Settled => ({ sequenceNumbers: sequenceNumbersOf(done), ...(open ? { window: open } : {}) });
    if (records.length === 1 && records[0]!.buildError !== undefined) {
      // Nothing can be sent: given up at once (the assembler cuts such a record alone), the shard moves on.
      this.options.status.record(PROBLEM_EVENT_BUILD_FAILED);
      if (!(await this.discard(records, 'RetryAttemptsExhausted', queue[0]!, open))) return 'interrupted';
      yield settledOf(records);
      return 'completed';
    }
    while (queue.length > 0) {
      if (this.options.halt.aborted) return 'interrupted';
      const slice = queue[0]!;

      const expired = expiredPrefixLength(
        slice.records.map((record) => record.arrivalEpochMs),
        this.now(),
        settings.maximumRecordAgeSeconds,
      );
      if (expired > 0) {
        const gone = slice.records.slice(0, expired);
        if (!(await this.discard(gone, 'RecordAgeExceeded', slice, open))) return 'interrupted';
        yield settledOf(gone);
        slice.records = slice.records.slice(expired);
        if (slice.records.length === 0) {
          queue.shift();
          continue;
        }
      }

      // Queuing the expired records took time: no new invocation once stopped or the lease is gone.
      if (this.options.halt.aborted || !(await this.leaseStillHeld())) return 'interrupted';
      const attempt = await this.invoke(slice, open);
      if (!attempt) return 'interrupted';
      if ((attempt.kind === 'success' || attempt.kind === 'partial') && open && attempt.state !== undefined) {
        open = { ...open, state: attempt.state, terminatedEarly: stateOutgrown(attempt.state) };
      }
      if (attempt.kind === 'success') {
        slice.entry?.next('checkpointed');
        queue.shift();
        yield settledOf(slice.records);
      }
      let settledFirst = '';
      if (attempt.kind === 'partial' && (attempt.failedFrom > 0 || open)) {
        const done = slice.records.slice(0, attempt.failedFrom);
        slice.records = slice.records.slice(attempt.failedFrom);
        if (done.length > 0) settledFirst = `checkpointed the ${done.length} records before the lowest failed item; `;
        yield settledOf(done);
      }
      if (open?.terminatedEarly) {
        // The state outgrew its limit: the window ends early here and goes on with a fresh state.
        if (!(await this.finalInvoke(open))) return 'interrupted';
        open = { ...open, state: EMPTY_WINDOW_STATE, terminatedEarly: false };
        yield { sequenceNumbers: [], window: open };
      }
      if (attempt.kind === 'success') continue;

      const decision = decideRetry(
        { kind: attempt.kind, recordCount: slice.records.length, retriesUsed: slice.retries, uncountedFailures: slice.uncounted },
        settings,
        this.random,
      );
      if (decision.action === 'bisect') {
        const [left, right] = bisect(slice.records);
        slice.entry?.next('bisected', `halves of ${left.length} and ${right.length} records`);
        this.options.logger.info({ shardId: this.options.shardId, left: left.length, right: right.length }, 'batch_bisected');
        // Each half starts its own invocation count (approximateInvokeCount = MaximumRetryAttempts + 1 when a half is
        // exhausted); retries already counted stay counted.
        const { last: _last, entry: _entry, ...history } = slice;
        queue.splice(0, 1, { ...history, records: left, uncounted: 0, invokes: 0 }, { ...history, records: right, uncounted: 0, invokes: 0 });
        continue;
      }
      if (decision.action === 'discard') {
        const destination = this.options.mapping.DestinationConfig?.OnFailure?.Destination;
        slice.entry?.next(destination ? 'sent_to_destination' : 'dropped', `${settledFirst}${decision.condition}: ${slice.records.length} records${destination ? ` to ${destination}` : ''}`);
        if (!(await this.discard(slice.records, decision.condition, slice, open))) return 'interrupted';
        queue.shift();
        yield settledOf(slice.records);
        continue;
      }
      if (decision.counted) {
        slice.retries += 1;
        slice.uncounted = 0;
      } else slice.uncounted += 1;
      slice.entry?.next(
        'retried',
        `${settledFirst}${decision.counted ? `retry ${slice.retries} of ${settings.maximumRetryAttempts === -1 ? 'unlimited' : settings.maximumRetryAttempts}` : `${attempt.kind}, not counted as a retry`} in ${decision.delayMs} ms`,
      );
      this.options.metrics.retries.inc(this.options.labels);
      this.options.logger.info(
        { shardId: this.options.shardId, failure: attempt.kind, counted: decision.counted, retries: slice.retries, delayMs: decision.delayMs },
        'batch_retry_scheduled',
      );
      if (!(await sleep(decision.delayMs, this.options.halt))) {
        slice.entry?.next('interrupted', 'stopped while waiting to retry; the records are read again');
        return 'interrupted';
      }
    }
    return 'completed';
  }

  /**
   * Makes a window's final invoke — its state, no records, `isFinalInvokeForWindow` — and retries it until it
   * succeeds: the shard waits meanwhile, as Lambda suspends processing until the final invoke succeeds.
   */
  async *closeWindow(window: WindowCheckpoint): AsyncGenerator<Settled, BatchProcessResult, void> {
    if (!(await this.finalInvoke(window))) return 'interrupted';
    yield { sequenceNumbers: [], window: null };
    return 'completed';
  }

  /** @returns false when halted (or the drain deadline passed) before the final invoke succeeded */
  private async finalInvoke(window: WindowCheckpoint): Promise<boolean> {
    const { logger, shardId } = this.options;
    let payload = windowEventPayload([], { window, shardId, eventSourceArn: this.options.streamArn, final: true });
    if (Buffer.byteLength(payload) > (this.options.maxPayloadBytes ?? MAX_INVOKE_PAYLOAD_BYTES)) {
      // A state too large to send at all (far above the window's limit) cannot end the window: it is left out.
      logger.error({ shardId, stateBytes: Buffer.byteLength(window.state) }, 'window_state_too_large_to_send');
      payload = windowEventPayload([], { window: { ...window, state: EMPTY_WINDOW_STATE }, shardId, eventSourceArn: this.options.streamArn, final: true });
    }
    const bounds = { shardId, windowStart: window.startMs, windowEnd: window.endMs, terminatedEarly: window.terminatedEarly };
    for (let failures = 0; ; failures += 1) {
      if (this.options.halt.aborted || !(await this.leaseStillHeld())) return false;
      const outcome = await this.call(payload);
      if (!outcome) {
        logger.warn(bounds, 'window_final_invoke_abandoned_at_drain_deadline');
        return false;
      }
      const response = outcome.kind === 'success' ? parseWindowResponse(outcome.payload) : undefined;
      if (response?.kind === 'state') {
        this.options.status.record(PROCESSING_OK);
        logger.debug({ ...bounds, requestId: outcome.requestId }, 'window_closed');
        return true;
      }
      this.options.status.record(PROBLEM_FUNCTION_CALL_FAILED);
      const delayMs = exponentialDelayMs(FUNCTION_ERROR_BACKOFF, failures + 1, this.random);
      logger.warn(
        { ...bounds, outcome: outcome.kind, requestId: outcome.requestId, failures: failures + 1, delayMs, ...(response ? { reason: response.reason } : {}) },
        'window_final_invoke_failed',
      );
      if (!(await sleep(delayMs, this.options.halt))) return false;
    }
  }

  /** Invokes the function once with a slice; undefined when the drain deadline passed while it ran. */
  /** The shard's lease may still be trusted for one more invocation (see BatchProcessorOptions.leaseHeld). */
  private async leaseStillHeld(): Promise<boolean> {
    return this.options.leaseHeld ? this.options.leaseHeld() : true;
  }

  private async invoke(slice: Slice, window: WindowCheckpoint | undefined): Promise<Attempt | undefined> {
    const { metrics, labels } = this.options;
    const records = slice.records;
    const last = records[records.length - 1]!;
    const payload = window
      ? windowEventPayload(records, { window, shardId: this.options.shardId, eventSourceArn: this.options.streamArn, final: false })
      : eventPayload(records);
    if (Buffer.byteLength(payload) > (this.options.maxPayloadBytes ?? MAX_INVOKE_PAYLOAD_BYTES)) return this.oversized(slice, payload);
    metrics.invokedEvents.inc(labels, records.length);
    metrics.batchSize.observe(labels, records.length);
    metrics.iteratorAge.set({ ...labels, shard: this.options.shardId }, Math.max(0, this.now() - last.arrivalEpochMs) / 1000);
    const outcome = await this.call(payload);
    if (!outcome) {
      this.options.logger.warn({ shardId: this.options.shardId, records: records.length }, 'invocation_abandoned_at_drain_deadline');
      return undefined;
    }
    slice.invokes += 1;
    const attempt = this.interpret(outcome, records, window !== undefined);
    slice.entry = (this.options.journal ?? NO_JOURNAL).record({
      shardId: this.options.shardId,
      attempt: slice.invokes,
      payload,
      items: () => records.map((record) => ({ id: record.sequenceNumber, bytes: Buffer.byteLength(record.json) })),
      outcome,
      ...(attempt.kind === 'partial' ? { failedItems: attempt.failedIds } : {}),
      ...(attempt.invalidResponse !== undefined ? { invalidItemFailures: attempt.invalidResponse } : {}),
    });
    if (outcome.kind !== 'throttled' && outcome.kind !== 'invoke_error') {
      slice.last = {
        requestId: outcome.requestId,
        executedVersion: outcome.executedVersion,
        functionError: isFunctionError(outcome) ? 'Unhandled' : null,
      };
    }
    // Every event of an invocation that failed (function error, timeout, throttle, invoke error, invalid
    // response) counts, and of a partial batch response the events it reported (CloudWatch FailedInvokeEventCount).
    if (attempt.kind !== 'success') metrics.failedInvokeEvents.inc(labels, attempt.kind === 'partial' ? attempt.failedCount : records.length);
    this.options.status.record(attempt.kind === 'success' ? PROCESSING_OK : PROBLEM_FUNCTION_CALL_FAILED);
    const logLevel = attempt.kind === 'success' ? 'debug' : 'warn';
    this.options.logger[logLevel](
      {
        shardId: this.options.shardId,
        records: records.length,
        firstSequenceNumber: records[0]!.sequenceNumber,
        lastSequenceNumber: last.sequenceNumber,
        outcome: outcome.kind,
        result: attempt.kind,
        requestId: outcome.requestId,
        durationMs: outcome.durationMs,
        ...(outcome.kind === 'function_error' || outcome.kind === 'timed_out' ? { errorType: outcome.errorType } : {}),
        ...(outcome.kind === 'invoke_error' ? { err: outcome.error } : {}),
      },
      'batch_invoked',
    );
    return attempt;
  }

  /** Calls the function with an event; undefined when the drain deadline passed first (the call is abandoned). */
  private async call(payload: string): Promise<InvokeOutcome | undefined> {
    const { fn, metrics, labels } = this.options;
    metrics.concurrentInvocations.inc(labels);
    const running = fn.invoke(payload, { signal: this.options.drain }).finally(() => metrics.concurrentInvocations.dec(labels));
    const outcome = await raceAbort(running, this.options.drain);
    if (!outcome) running.catch(() => undefined);
    else metrics.invocationDuration.observe({ ...labels, outcome: outcome.kind }, outcome.durationMs / 1000);
    return outcome;
  }

  /**
   * An event above Lambda's 6 MB invoke limit (a single record too large): the function cannot be called with it, so
   * the attempt is a function error — counted toward MaximumRetryAttempts, bisected, and in the end given to the
   * on-failure destination — instead of an invoke error retried uncounted until the record leaves the stream.
   */
  private oversized(slice: Slice, payload: string): Attempt {
    const { metrics, labels, logger, shardId } = this.options;
    const requestId = randomUUID();
    slice.invokes += 1;
    slice.last = { requestId, executedVersion: '$LATEST', functionError: 'Unhandled' };
    // The function was not called: nothing for the journal.
    delete slice.entry;
    metrics.failedInvokeEvents.inc(labels, slice.records.length);
    this.options.status.record(PROBLEM_FUNCTION_CALL_FAILED);
    logger.warn(
      {
        shardId,
        records: slice.records.length,
        firstSequenceNumber: slice.records[0]!.sequenceNumber,
        payloadBytes: Buffer.byteLength(payload),
        requestId,
        errorType: PAYLOAD_TOO_LARGE_ERROR_TYPE,
      },
      'event_payload_too_large',
    );
    return { kind: 'function_error' };
  }

  /**
   * What an outcome means for the slice (partial responses only count with ReportBatchItemFailures). A windowed
   * invocation must return a state; a response without one is a failed invocation.
   */
  private interpret(outcome: InvokeOutcome, records: readonly StreamRecord[], windowed: boolean): Attempt {
    if (outcome.kind === 'throttled') return { kind: 'throttled' };
    if (outcome.kind === 'invoke_error') return { kind: 'invoke_error' };
    if (outcome.kind !== 'success') return { kind: 'function_error' };
    let state: { readonly state?: string } = {};
    if (windowed) {
      const response = parseWindowResponse(outcome.payload);
      if (response.kind === 'invalid') {
        this.options.logger.warn({ shardId: this.options.shardId, reason: response.reason }, 'window_response_invalid');
        return { kind: 'function_error' };
      }
      state = { state: response.state };
    }
    if (!reportsBatchItemFailures(this.options.mapping)) return { kind: 'success', ...state };
    const ids = new Set(records.map((record) => record.sequenceNumber));
    const result = parseBatchItemFailures(outcome.payload, ids, this.options.source);
    if (result.kind === 'success') return { kind: 'success', ...state };
    if (result.kind === 'invalid') {
      this.options.logger.warn({ shardId: this.options.shardId, reason: result.reason }, 'batch_item_failures_invalid');
      return { kind: 'function_error', invalidResponse: result.reason };
    }
    const lowest = lowestSequenceNumber(result.failedIds);
    const failedFrom = records.findIndex((record) => record.sequenceNumber === lowest);
    return { kind: 'partial', failedFrom, failedCount: result.failedIds.length, failedIds: result.failedIds, ...state };
  }

  /**
   * Gives records up: queues their failure record for the on-failure destination (retrying until it is durably
   * stored) or, without a destination, drops them. The caller then yields them as settled.
   * @param window with tumbling windows: the window they were invoked in (its fields are part of the S3 payload)
   * @returns false when halted before the failure record was stored (nothing may be settled)
   */
  private async discard(records: readonly StreamRecord[], condition: StreamFailureCondition, slice: Slice, window: WindowCheckpoint | undefined): Promise<boolean> {
    const { mapping, metrics, labels, logger, shardId } = this.options;
    const destinationArn = mapping.DestinationConfig?.OnFailure?.Destination;
    const range = { shardId, records: records.length, firstSequenceNumber: records[0]!.sequenceNumber, lastSequenceNumber: records[records.length - 1]!.sequenceNumber };
    if (!destinationArn) {
      metrics.droppedEvents.inc(labels, records.length);
      logger.warn({ ...range, condition }, 'records_dropped');
    } else {
      const delivery = failureDeliveryOf({
        records,
        condition,
        invokeCount: slice.invokes,
        ...(slice.last ? { lastInvocation: slice.last } : {}),
        fallbackRequestId: randomUUID(),
        shardId,
        streamArn: this.options.streamArn,
        functionArn: this.options.fn.arn,
        batchInfoKey: this.options.batchInfoKey,
        destinationArn,
        mappingUuid: mapping.UUID,
        functionName: mapping.FunctionName,
        source: this.options.source,
        timestamp: new Date(this.now()),
        ...(window ? { payload: windowEventPayload(records, { window, shardId, eventSourceArn: this.options.streamArn, final: false }) } : {}),
      });
      for (let failures = 0; ; failures += 1) {
        try {
          await this.options.destinations.enqueue(delivery);
          break;
        } catch (err) {
          logger.error({ ...range, err, condition }, 'failure_record_enqueue_failed');
          if (!(await sleep(exponentialDelayMs(ERROR_BACKOFF, failures + 1, this.random), this.options.halt))) return false;
        }
      }
      logger.warn({ ...range, condition, destinationArn }, 'failure_record_queued');
    }
    return true;
  }
}

function sequenceNumbersOf(records: readonly StreamRecord[]): readonly string[] {
  return records.map((record) => record.sequenceNumber);
}

/** Lambda's error for a request above the invoke payload limit (RequestEntityTooLargeException, HTTP 413). */
const PAYLOAD_TOO_LARGE_ERROR_TYPE = 'RequestEntityTooLargeException';
