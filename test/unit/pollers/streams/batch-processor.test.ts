import { describe, expect, it } from 'vitest';
import type { FailureDelivery, OnFailureDestinations } from '../../../../src/destinations/on-failure-destination.js';
import type { Invoker, InvokeOutcome } from '../../../../src/functions/invoker.js';
import { LambdaFunction } from '../../../../src/functions/lambda-function.js';
import type { EventSourceMapping } from '../../../../src/mappings/event-source-mapping.js';
import { MappingStatus } from '../../../../src/mappings/mapping-status.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { Metrics } from '../../../../src/observability/metrics.js';
import { BatchProcessor, type BatchProcessResult, type Settled } from '../../../../pollers/streams/batch-processor.js';
import { freshWindow, MAX_WINDOW_STATE_BYTES } from '../../../../pollers/streams/tumbling-window.js';
import { retrySettingsOf } from '../../../../pollers/streams/retry-policy.js';
import type { StreamRecord } from '../../../../pollers/streams/stream-event-builder.js';

const NOW_MS = 1_700_000_000_000;

function record(sequenceNumber: string, arrivalEpochMs: number): StreamRecord {
  const event = { kinesis: { sequenceNumber } };
  return { event, json: JSON.stringify(event), sequenceNumber, arrivalEpochMs, partitionKey: 'k' };
}

/** A function that succeeds and counts its invocations. */
class CountingInvoker implements Invoker {
  readonly payloads: string[] = [];
  async invoke(payload: string): Promise<InvokeOutcome> {
    this.payloads.push(payload);
    return { kind: 'success', payload: 'null', requestId: 'r', durationMs: 1, executedVersion: '$LATEST' };
  }
  async close(): Promise<void> {}
}

/** Destinations whose enqueue runs `onEnqueue` first (to stop or lose the lease while a record is being queued). */
class HookedDestinations implements OnFailureDestinations {
  readonly deliveries: FailureDelivery[] = [];
  constructor(private readonly onEnqueue: () => void) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async enqueue(delivery: FailureDelivery): Promise<void> {
    this.onEnqueue();
    this.deliveries.push(delivery);
  }
}

const mapping = {
  UUID: 'u-1',
  FunctionName: 'fn',
  MaximumRetryAttempts: -1,
  MaximumRecordAgeInSeconds: 60,
  BisectBatchOnFunctionError: false,
  FunctionResponseTypes: [],
  DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
} as unknown as EventSourceMapping;

function processorOf(
  invoker: Invoker,
  destinations: OnFailureDestinations,
  halt: AbortSignal,
  overrides: { mapping?: Partial<EventSourceMapping>; maxPayloadBytes?: number; status?: MappingStatus } = {},
): BatchProcessor {
  const settings = { ...mapping, ...overrides.mapping } as EventSourceMapping;
  const metrics = new Metrics({ collectProcessMetrics: false });
  const fn = new LambdaFunction(
    { name: 'fn', target: { type: 'url', url: 'http://127.0.0.1:9/' }, timeoutSeconds: 3, memorySizeMb: 128 },
    'arn:aws:lambda:us-east-1:000000000000:function:fn',
    invoker,
    metrics,
  );
  return new BatchProcessor({
    mapping: settings,
    fn,
    destinations,
    metrics,
    labels: { mapping: 'u-1', function: 'fn', source: 'kinesis' },
    logger: createLogger('silent', { write: () => undefined }),
    status: overrides.status ?? new MappingStatus(),
    settings: retrySettingsOf(settings),
    source: 'kinesis',
    batchInfoKey: 'KinesisBatchInfo',
    streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
    shardId: 'shardId-000000000000',
    halt,
    drain: new AbortController().signal,
    now: () => NOW_MS,
    random: () => 1,
    ...(overrides.maxPayloadBytes !== undefined ? { maxPayloadBytes: overrides.maxPayloadBytes } : {}),
  });
}

/** Runs a batch to its end, collecting every group of records it settles, in order. */
async function processAll(processor: BatchProcessor, records: readonly StreamRecord[], settled: string[][]): Promise<BatchProcessResult> {
  const run = processor.process(records);
  for (let step = await run.next(); ; step = await run.next()) {
    if (step.done) return step.value;
    settled.push([...step.value.sequenceNumbers]);
  }
}

describe('BatchProcessor', () => {
  it('settles expired records only after their failure record is queued, then invokes the rest', async () => {
    const invoker = new CountingInvoker();
    const settled: string[][] = [];
    const destinations = new HookedDestinations(() => expect(settled).toEqual([]));
    const processor = processorOf(invoker, destinations, new AbortController().signal);

    const result = await processAll(processor, [record('1', NOW_MS - 61_000), record('2', NOW_MS - 1_000)], settled);

    expect(result).toBe('completed');
    expect(destinations.deliveries.map((delivery) => delivery.eventCount)).toEqual([1]);
    expect(settled).toEqual([['1'], ['2']]);
    expect(invoker.payloads).toHaveLength(1);
  });

  it('starts no invocation once halted while the expired records were being queued', async () => {
    const invoker = new CountingInvoker();
    const settled: string[][] = [];
    const halt = new AbortController();
    const destinations = new HookedDestinations(() => halt.abort());
    const processor = processorOf(invoker, destinations, halt.signal);

    const result = await processAll(processor, [record('1', NOW_MS - 61_000), record('2', NOW_MS - 1_000)], settled);

    expect(result).toBe('interrupted');
    expect(settled).toEqual([['1']]);
    expect(invoker.payloads).toEqual([]);
  });

  it('fails a record whose event exceeds the invoke limit as a function error: counted retries, then the destination', async () => {
    const invoker = new CountingInvoker();
    const settled: string[][] = [];
    const destinations = new HookedDestinations(() => undefined);
    const status = new MappingStatus();
    const processor = processorOf(invoker, destinations, new AbortController().signal, {
      mapping: { MaximumRetryAttempts: 1, MaximumRecordAgeInSeconds: -1 },
      maxPayloadBytes: 40,
      status,
    });
    const big = { ...record('1', NOW_MS), json: JSON.stringify({ data: 'x'.repeat(100) }) };

    const result = await processAll(processor, [big], settled);

    expect(result).toBe('completed');
    expect(invoker.payloads).toEqual([]);
    expect(settled).toEqual([['1']]);
    expect(destinations.deliveries).toHaveLength(1);
    expect(destinations.deliveries[0]!.record).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      responseContext: { functionError: 'Unhandled' },
    });
    expect(status.lastProcessingResult).toBe('PROBLEM: Function call failed');
  }, 10_000);

  it('gives a record that could not be built up at once, without invoking, and says so in the mapping status', async () => {
    const invoker = new CountingInvoker();
    const settled: string[][] = [];
    const destinations = new HookedDestinations(() => undefined);
    const status = new MappingStatus();
    const processor = processorOf(invoker, destinations, new AbortController().signal, { status });
    const unbuilt = { ...record('7', NOW_MS), event: {}, json: '{}', buildError: new TypeError('unknown attribute type') };

    const result = await processAll(processor, [unbuilt], settled);

    expect(result).toBe('completed');
    expect(invoker.payloads).toEqual([]);
    expect(settled).toEqual([['7']]);
    expect(destinations.deliveries.map((delivery) => delivery.eventCount)).toEqual([1]);
    expect(status.lastProcessingResult).toBe('PROBLEM: Record could not be converted to an event');
  });
});

describe('BatchProcessor with tumbling windows', () => {
  /** A function that answers each event with what `answer` returns (as its JSON result). */
  class WindowFunction implements Invoker {
    readonly events: { Records: unknown[]; state: Record<string, number>; isFinalInvokeForWindow: boolean; isWindowTerminatedEarly: boolean }[] = [];
    constructor(private readonly answer: (event: WindowFunction['events'][number], index: number) => unknown) {}
    async invoke(payload: string): Promise<InvokeOutcome> {
      const event = JSON.parse(payload) as WindowFunction['events'][number];
      this.events.push(event);
      return { kind: 'success', payload: JSON.stringify(this.answer(event, this.events.length - 1)), requestId: 'r', durationMs: 1, executedVersion: '$LATEST' };
    }
    async close(): Promise<void> {}
  }
  const window = freshWindow({ startMs: NOW_MS - 2_000, endMs: NOW_MS });
  const count = (event: WindowFunction['events'][number]) => ({ state: { n: (event.state.n ?? 0) + event.Records.length } });

  async function collect(run: AsyncGenerator<Settled, BatchProcessResult, void>): Promise<{ steps: Settled[]; result: BatchProcessResult }> {
    const steps: Settled[] = [];
    for (let step = await run.next(); ; step = await run.next()) {
      if (step.done) return { steps, result: step.value };
      steps.push(step.value);
    }
  }

  it('hands the state each invocation returns to the next one and settles records with the window they leave', async () => {
    const fn = new WindowFunction(count);
    const processor = processorOf(fn, new HookedDestinations(() => undefined), new AbortController().signal, {
      mapping: { BisectBatchOnFunctionError: true, MaximumRetryAttempts: 0 },
    });
    // Bisection makes two invocations of one batch: the second gets the state the first returned.
    let calls = 0;
    const failingFirst = new WindowFunction((event) => (calls++ === 0 ? { nostate: true } : count(event)));
    const bisecting = processorOf(failingFirst, new HookedDestinations(() => undefined), new AbortController().signal, {
      mapping: { BisectBatchOnFunctionError: true, MaximumRetryAttempts: 0 },
    });

    const { steps, result } = await collect(processor.process([record('1', NOW_MS - 1_500), record('2', NOW_MS - 1_000)], { ...window, state: '{"n":5}' }));
    expect(result).toBe('completed');
    expect(fn.events.map((event) => [event.state, event.isFinalInvokeForWindow])).toEqual([[{ n: 5 }, false]]);
    expect(steps).toEqual([{ sequenceNumbers: ['1', '2'], window: { ...window, state: '{"n":7}' } }]);

    const bisected = await collect(bisecting.process([record('1', NOW_MS - 1_500), record('2', NOW_MS - 1_000)], window));
    expect(bisected.result).toBe('completed');
    expect(failingFirst.events.map((event) => event.state)).toEqual([{}, {}, { n: 1 }]);
    expect(bisected.steps.map((step) => [step.sequenceNumbers, step.window?.state])).toEqual([
      [['1'], '{"n":1}'],
      [['2'], '{"n":2}'],
    ]);
  });

  it('counts a response without a state as a function error: retried with the same state, then given up', async () => {
    const fn = new WindowFunction(() => ({ batchItemFailures: [] }));
    const destinations = new HookedDestinations(() => undefined);
    const processor = processorOf(fn, destinations, new AbortController().signal, { mapping: { MaximumRetryAttempts: 1 } });

    const { steps } = await collect(processor.process([record('1', NOW_MS - 500)], window));

    expect(fn.events.map((event) => event.state)).toEqual([{}, {}]);
    expect(steps).toEqual([{ sequenceNumbers: ['1'], window }]);
    expect(destinations.deliveries[0]!.record).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      responseContext: { functionError: null },
    });
    // The S3 payload is the invocation event, window fields included.
    expect(JSON.parse(destinations.deliveries[0]!.payload)).toMatchObject({ Records: [{ kinesis: { sequenceNumber: '1' } }], state: {}, isFinalInvokeForWindow: false });
    expect(Object.keys(JSON.parse(destinations.deliveries[0]!.payload) as object)).toContain('window');
  }, 10_000);

  it('ends the window early when the state outgrows 1 MB, then goes on in the same window with {}', async () => {
    const big = 'x'.repeat(MAX_WINDOW_STATE_BYTES);
    const fn = new WindowFunction((event, index) => (event.isFinalInvokeForWindow ? { state: {} } : index === 0 ? { state: { big } } : count(event)));
    const processor = processorOf(fn, new HookedDestinations(() => undefined), new AbortController().signal, {
      mapping: { FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    // A partial response: record 1 succeeded (and outgrew the state), record 2 is retried afterwards.
    let first = true;
    const partial = new WindowFunction((event) => {
      if (event.isFinalInvokeForWindow) return { state: {} };
      if (!first) return count(event);
      first = false;
      return { state: { big }, batchItemFailures: [{ itemIdentifier: '2' }] };
    });
    const partialProcessor = processorOf(partial, new HookedDestinations(() => undefined), new AbortController().signal, {
      mapping: { FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });

    const { steps } = await collect(processor.process([record('1', NOW_MS - 500)], window));
    expect(fn.events.map((event) => [event.Records.length, event.isFinalInvokeForWindow, event.isWindowTerminatedEarly])).toEqual([
      [1, false, false],
      [0, true, true],
    ]);
    expect(fn.events[1]!.state).toEqual({ big });
    expect(steps.map((step) => [step.sequenceNumbers, step.window?.terminatedEarly, step.window?.state.length])).toEqual([
      [['1'], true, JSON.stringify({ big }).length],
      [[], false, 2],
    ]);

    const partialRun = await collect(partialProcessor.process([record('1', NOW_MS - 500), record('2', NOW_MS - 400)], window));
    expect(partial.events.map((event) => [event.Records.length, event.isFinalInvokeForWindow, event.isWindowTerminatedEarly, Object.keys(event.state)])).toEqual([
      [2, false, false, []],
      [0, true, true, ['big']],
      [1, false, false, []],
    ]);
    expect(partialRun.steps.map((step) => [step.sequenceNumbers, step.window?.state])).toEqual([
      [['1'], JSON.stringify({ big })],
      [[], '{}'],
      [['2'], '{"n":1}'],
    ]);
  }, 10_000);

  it('makes the final invoke with the state and no records, retried until it succeeds, and closes the window', async () => {
    const fn = new WindowFunction((_event, index) => (index === 0 ? null : { state: {} }));
    const processor = processorOf(fn, new HookedDestinations(() => undefined), new AbortController().signal);

    const { steps, result } = await collect(processor.closeWindow({ ...window, state: '{"n":9}' }));

    expect(result).toBe('completed');
    expect(fn.events).toEqual([
      expect.objectContaining({ Records: [], state: { n: 9 }, isFinalInvokeForWindow: true, isWindowTerminatedEarly: false }),
      expect.objectContaining({ Records: [], state: { n: 9 }, isFinalInvokeForWindow: true }),
    ]);
    expect(steps).toEqual([{ sequenceNumbers: [], window: null }]);
  }, 10_000);
});
