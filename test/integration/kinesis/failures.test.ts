import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { counterValue, FAST_LEASES, KinesisFixture, MemoryDestinations, ScriptedInvoker, type KinesisEventRecord } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);
const DESTINATION = 'arn:aws:sqs:us-east-1:000000000000:t-on-failure';

const dataOf = (record: KinesisEventRecord) => Buffer.from(record.kinesis.data, 'base64').toString('utf8');
const dataIn = (event: { Records: KinesisEventRecord[] }) => event.Records.map(dataOf);

describe('Kinesis failure handling: retries, bisect, partial responses, record age', () => {
  let fixture: KinesisFixture;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('retries a failing batch MaximumRetryAttempts times, then queues its failure record and moves on', async () => {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(stream.arn, [{ data: 'bad-1', key: 'k' }, { data: 'bad-2', key: 'k' }]);
    const destinations = new MemoryDestinations();
    const invoker = new ScriptedInvoker((event) => (dataIn(event).some((data) => data.startsWith('bad')) ? { kind: 'function_error' } : { kind: 'success' }));
    const mapping = fixture.mapping(stream.arn, { MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: DESTINATION } } });
    const subject = fixture.poller(mapping, invoker, { destinations });

    await subject.poller.start();
    await waitFor(() => destinations.deliveries.length === 1, { message: 'no failure record queued' });
    await fixture.put(stream.arn, [{ data: 'good', key: 'k' }]);
    await waitFor(() => invoker.deliveredData.includes('good'), { message: 'shard blocked after discarding' });

    expect(invoker.events.map(dataIn)).toEqual([['bad-1', 'bad-2'], ['bad-1', 'bad-2'], ['bad-1', 'bad-2'], ['good']]);
    const [delivery] = destinations.deliveries;
    expect(delivery).toMatchObject({ destinationArn: DESTINATION, eventCount: 2, shardId: put[0]!.shardId, source: 'kinesis', mappingUuid: mapping.UUID });
    expect(delivery!.record).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:t-fn',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: put[0]!.shardId,
        startSequenceNumber: put[0]!.sequenceNumber,
        endSequenceNumber: put[1]!.sequenceNumber,
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 2,
        streamArn: stream.arn,
      },
    });
    expect(JSON.parse(delivery!.payload).Records.map(dataOf)).toEqual(['bad-1', 'bad-2']);
    expect(await counterValue(subject.metrics.retries, mapping.UUID)).toBe(2);
    expect(await counterValue(subject.metrics.droppedEvents, mapping.UUID)).toBe(0);
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'failure_record_queued', condition: 'RetryAttemptsExhausted', records: 2 }));
  });

  it('drops exhausted records and counts them when there is no destination', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, [{ data: 'bad', key: 'k' }, { data: 'bad-too', key: 'k' }]);
    const invoker = new ScriptedInvoker(() => ({ kind: 'function_error' }));
    const mapping = fixture.mapping(stream.arn, { MaximumRetryAttempts: 0 });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();

    await waitFor(async () => (await counterValue(subject.metrics.droppedEvents, mapping.UUID)) === 2, { message: 'dropped events not counted' });
    expect(invoker.events).toHaveLength(1);
    expect(await counterValue(subject.metrics.failedInvokeEvents, mapping.UUID)).toBe(2);
    expect(subject.status.lastProcessingResult).toBe('PROBLEM: Function call failed');
  });

  it('bisects a failing batch until the poison record is alone, and discards only that one', async () => {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(stream.arn, ['a', 'b', 'poison', 'c', 'd'].map((data) => ({ data, key: 'k' })));
    const destinations = new MemoryDestinations();
    const invoker = new ScriptedInvoker((event) => (dataIn(event).includes('poison') ? { kind: 'function_error' } : { kind: 'success' }));
    const mapping = fixture.mapping(stream.arn, {
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: DESTINATION } },
    });
    const subject = fixture.poller(mapping, invoker, { destinations });

    await subject.poller.start();
    // 'd' is already in the first (failing) batch: wait for the last half's invocation, not for 'd' itself.
    await waitFor(() => invoker.events.length >= 6 && destinations.deliveries.length === 1, { message: 'poison record not isolated' });

    expect(invoker.events.map(dataIn)).toEqual([
      ['a', 'b', 'poison', 'c', 'd'],
      ['a', 'b', 'poison'],
      ['a', 'b'],
      ['poison'],
      ['poison'],
      ['c', 'd'],
    ]);
    const info = destinations.deliveries[0]!.record.KinesisBatchInfo as Record<string, unknown>;
    expect(info).toMatchObject({ startSequenceNumber: put[2]!.sequenceNumber, endSequenceNumber: put[2]!.sequenceNumber, batchSize: 1 });
    expect(destinations.deliveries[0]!.record.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 });
    expect(await counterValue(subject.metrics.retries, mapping.UUID)).toBe(1);
  });

  it('with ReportBatchItemFailures, checkpoints before the lowest reported record and retries from it', async () => {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(stream.arn, ['r0', 'r1', 'r2', 'r3', 'r4'].map((data) => ({ data, key: 'k' })));
    const destinations = new MemoryDestinations();
    const invoker = new ScriptedInvoker((event, index) => {
      const byData = new Map(event.Records.map((record) => [dataOf(record), record.kinesis.sequenceNumber]));
      // First call: r3 and r2 fail (the lowest wins); second call: r3 fails again; then everything fails.
      const failing = index === 0 ? ['r3', 'r2'] : ['r3'];
      return { kind: 'success', result: { batchItemFailures: failing.filter((d) => byData.has(d)).map((d) => ({ itemIdentifier: byData.get(d) })) } };
    });
    const mapping = fixture.mapping(stream.arn, {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: DESTINATION } },
    });
    const subject = fixture.poller(mapping, invoker, { destinations });

    await subject.poller.start();
    await waitFor(() => destinations.deliveries.length === 1, { message: 'partial failure not exhausted' });

    expect(invoker.events.map(dataIn)).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4'],
      ['r2', 'r3', 'r4'],
    ]);
    const { record } = destinations.deliveries[0]!;
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: null });
    expect(record.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 });
    expect(record.KinesisBatchInfo).toMatchObject({ startSequenceNumber: put[3]!.sequenceNumber, endSequenceNumber: put[4]!.sequenceNumber, batchSize: 2 });
    expect(await counterValue(subject.metrics.failedInvokeEvents, mapping.UUID)).toBe(3);
  });

  it('treats an invalid partial response as a failure of the whole batch', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, [{ data: 'x', key: 'k' }, { data: 'y', key: 'k' }]);
    const destinations = new MemoryDestinations();
    const invoker = new ScriptedInvoker(() => ({ kind: 'success', result: { batchItemFailures: [{ itemIdentifier: '123' }] } }));
    const mapping = fixture.mapping(stream.arn, {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: DESTINATION } },
    });
    const subject = fixture.poller(mapping, invoker, { destinations });

    await subject.poller.start();
    await waitFor(() => destinations.deliveries.length === 1, { message: 'invalid response not treated as failure' });

    expect(destinations.deliveries[0]!.record).toMatchObject({
      responseContext: { functionError: null },
      KinesisBatchInfo: { batchSize: 2 },
    });
  });

  it('retries throttles without counting them toward MaximumRetryAttempts', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, [{ data: 'x', key: 'k' }]);
    const invoker = new ScriptedInvoker((_event, index) => (index < 2 ? { kind: 'throttled' } : index < 3 ? { kind: 'invoke_error' } : { kind: 'success' }));
    const mapping = fixture.mapping(stream.arn, { MaximumRetryAttempts: 0 });
    const subject = fixture.poller(mapping, invoker);

    await subject.poller.start();
    await waitFor(() => subject.status.lastProcessingResult === 'OK', { message: 'throttled batch never succeeded' });

    expect(invoker.events).toHaveLength(4);
    expect(await counterValue(subject.metrics.droppedEvents, mapping.UUID)).toBe(0);
  });

  it('discards records older than MaximumRecordAgeInSeconds before invoking, without responseContext', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, [{ data: 'old', key: 'k' }]);
    const destinations = new MemoryDestinations();
    const invoker = new ScriptedInvoker();
    const mapping = fixture.mapping(stream.arn, { MaximumRecordAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: DESTINATION } } });
    const subject = fixture.poller(mapping, invoker, { destinations, poller: { ...FAST_LEASES, now: () => Date.now() + 61_000 } });

    await subject.poller.start();
    await waitFor(() => destinations.deliveries.length === 1, { message: 'old record not discarded' });

    expect(invoker.events).toHaveLength(0);
    const { record } = destinations.deliveries[0]!;
    expect(record).not.toHaveProperty('responseContext');
    expect(record.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 1 });
  });

  it('discards a failing batch once its records exceed MaximumRecordAgeInSeconds while retrying', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, [{ data: 'x', key: 'k' }]);
    const destinations = new MemoryDestinations();
    let skewMs = 0;
    const invoker = new ScriptedInvoker((_event, index) => {
      if (index === 1) skewMs = 61_000; // the records age past the limit between the 2nd and 3rd attempt
      return { kind: 'function_error' };
    });
    const mapping = fixture.mapping(stream.arn, { MaximumRecordAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: DESTINATION } } });
    const subject = fixture.poller(mapping, invoker, { destinations, poller: { ...FAST_LEASES, now: () => Date.now() + skewMs } });

    await subject.poller.start();
    await waitFor(() => destinations.deliveries.length === 1, { message: 'expired batch not discarded' });

    expect(invoker.events).toHaveLength(2);
    expect(destinations.deliveries[0]!.record).not.toHaveProperty('responseContext');
    expect(destinations.deliveries[0]!.record.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 2 });
  });

  it('keeps the shard blocked, and the checkpoint in place, until the failure record is stored', async () => {
    const stream = await fixture.createStream(1);
    await fixture.put(stream.arn, [{ data: 'bad', key: 'k' }, { data: 'next', key: 'k' }]);
    const destinations = new MemoryDestinations();
    destinations.failing = true;
    const invoker = new ScriptedInvoker((event) => (dataIn(event).includes('bad') ? { kind: 'function_error' } : { kind: 'success' }));
    const mapping = fixture.mapping(stream.arn, { BatchSize: 1, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: DESTINATION } } });
    const subject = fixture.poller(mapping, invoker, { destinations });

    await subject.poller.start();
    await waitFor(() => subject.logs.filter((line) => line.msg === 'failure_record_enqueue_failed').length >= 2, { message: 'enqueue not retried' });
    expect(invoker.deliveredData).toEqual(['bad']);

    destinations.failing = false;
    await waitFor(() => invoker.deliveredData.includes('next'), { message: 'shard did not resume' });
    expect(destinations.deliveries).toHaveLength(1);
  });

  it('a stream deleted while mapped shows in LastProcessingResult, not only in the log', async () => {
    const stream = await fixture.createStream(1);
    const subject = fixture.poller(fixture.mapping(stream.arn), new ScriptedInvoker());
    await subject.poller.start();
    await clients.kinesis.send(new DeleteStreamCommand({ StreamARN: stream.arn }));
    await waitFor(() => subject.status.lastProcessingResult.startsWith('PROBLEM: Source not found: '), {
      message: 'the deleted stream is not reported',
      timeoutMs: 30_000,
    });
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'stream_poller_job_failed' }));
  });
});
