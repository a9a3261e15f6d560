import { randomUUID } from 'node:crypto';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { FailureDelivery, OnFailureDestinations } from '../../../src/destinations/on-failure-destination.js';
import type { Invoker, InvokeOutcome } from '../../../src/functions/invoker.js';
import type { EventSourceMapping } from '../../../src/mappings/event-source-mapping.js';
import { kinesisPollerFactory } from '../../../pollers/kinesis/kinesis-poller.js';
import type { StreamPollerOptions } from '../../../pollers/streams/stream-poller.js';
import type { TestServers } from '../../harness/servers.js';
import { StreamPollerFixture, type PollerUnderTest, type StreamPollerOptionsUnderTest } from '../../harness/stream-poller-fixture.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

export type { PollerUnderTest };

/** Lease timings short enough for tests. */
export const FAST_LEASES: StreamPollerOptions = {
  leaseTimings: { leaseDurationMs: 1_500, renewIntervalMs: 300, balanceIntervalMs: 300 },
  shardSyncIntervalMs: 500,
};

/** One Kinesis event record as a function receives it. */
export interface KinesisEventRecord {
  kinesis: { partitionKey: string; sequenceNumber: string; data: string; approximateArrivalTimestamp: number; kinesisSchemaVersion: string };
  eventID: string;
  eventSource: string;
  eventSourceARN: string;
  [key: string]: unknown;
}

/** Sequence numbers delivered per shard, in delivery order. */
export function byShard(records: readonly KinesisEventRecord[]): Map<string, string[]> {
  const shards = new Map<string, string[]>();
  for (const record of records) {
    const shardId = record.eventID.split(':')[0]!;
    shards.set(shardId, [...(shards.get(shardId) ?? []), record.kinesis.sequenceNumber]);
  }
  return shards;
}

/** Sequence numbers strictly increasing (compared as big integers). */
export function isAscending(sequenceNumbers: readonly string[]): boolean {
  return sequenceNumbers.every((value, index) => index === 0 || BigInt(value) > BigInt(sequenceNumbers[index - 1]!));
}

/** What a scripted function answers to one invocation. */
export type ScriptedAnswer =
  | { kind: 'success'; result?: unknown }
  | { kind: 'function_error'; errorType?: string }
  | { kind: 'throttled' }
  | { kind: 'invoke_error' };

/** A function in the test process: records every event and answers as `answer` says (success by default). */
export class ScriptedInvoker implements Invoker {
  readonly events: { Records: KinesisEventRecord[] }[] = [];

  constructor(private readonly answer: (event: { Records: KinesisEventRecord[] }, index: number) => ScriptedAnswer | Promise<ScriptedAnswer> = () => ({ kind: 'success' })) {}

  /** Data of every record delivered, decoded, in delivery order. */
  get deliveredData(): string[] {
    return this.events.flatMap((event) => event.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString('utf8')));
  }

  async invoke(payload: string, options: { requestId?: string } = {}): Promise<InvokeOutcome> {
    const event = JSON.parse(payload) as { Records: KinesisEventRecord[] };
    const index = this.events.length;
    this.events.push(event);
    const answer = await this.answer(event, index);
    const base = { requestId: options.requestId ?? randomUUID(), durationMs: 1, executedVersion: '$LATEST' };
    switch (answer.kind) {
      case 'success':
        return { ...base, kind: 'success', payload: JSON.stringify(answer.result ?? null) };
      case 'function_error': {
        const errorType = answer.errorType ?? 'Error';
        return { ...base, kind: 'function_error', errorType, errorMessage: 'failed', payload: JSON.stringify({ errorType, errorMessage: 'failed' }) };
      }
      case 'throttled':
        return { ...base, kind: 'throttled', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' };
      case 'invoke_error':
        return { ...base, kind: 'invoke_error', error: new Error('connection refused') };
    }
  }

  async close(): Promise<void> {}
}

/** On-failure destinations that keep deliveries in memory (tests of the engine, not of delivery). */
export class MemoryDestinations implements OnFailureDestinations {
  readonly deliveries: FailureDelivery[] = [];
  /** Enqueue fails while this is true. */
  failing = false;

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async enqueue(delivery: FailureDelivery): Promise<void> {
    if (this.failing) throw new Error('queue unavailable');
    this.deliveries.push(delivery);
  }
}


/**
 * Streams, mappings and pollers of one test file on the shared kinesis-local and Redis: unique stream names and
 * Redis prefixes, everything stopped and closed by {@link close}.
 */
export class KinesisFixture extends StreamPollerFixture {
  constructor(
    servers: TestServers,
    readonly kinesis: KinesisClient,
    /** Where the pollers send Kinesis calls. @defaultValue kinesis-local */
    kinesisEndpoint: string = servers.kinesisEndpoint,
  ) {
    super(servers, 'kinesis', kinesisPollerFactory, { AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint });
  }

  /** Creates a stream and waits until it is ACTIVE. */
  async createStream(shardCount: number): Promise<{ name: string; arn: string }> {
    const name = uniqueName('t-stream');
    await this.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
    return { name, arn: await waitForActive(this.kinesis, name) };
  }

  /** Puts records (in order, one PutRecords call) and returns their shard and sequence number. */
  async put(arn: string, records: readonly { data: string | Uint8Array; key: string }[]): Promise<{ shardId: string; sequenceNumber: string }[]> {
    const out = await this.kinesis.send(
      new PutRecordsCommand({
        StreamARN: arn,
        Records: records.map((record) => ({
          Data: typeof record.data === 'string' ? Buffer.from(record.data) : record.data,
          PartitionKey: record.key,
        })),
      }),
    );
    return (out.Records ?? []).map((entry) => {
      if (!entry.ShardId || !entry.SequenceNumber) throw new Error(`put failed: ${entry.ErrorCode} ${entry.ErrorMessage}`);
      return { shardId: entry.ShardId, sequenceNumber: entry.SequenceNumber };
    });
  }

  async shardIds(arn: string): Promise<string[]> {
    const out = await this.kinesis.send(new ListShardsCommand({ StreamARN: arn }));
    return (out.Shards ?? []).map((shard) => shard.ShardId!);
  }

  /** Builds (does not start) a Kinesis poller from real parts around `invoker`. */
  poller(
    mapping: EventSourceMapping,
    invoker: Invoker,
    options: Partial<StreamPollerOptionsUnderTest> = {},
  ): PollerUnderTest {
    return this.build(mapping, invoker, { ...options, destinations: options.destinations ?? new MemoryDestinations(), poller: options.poller ?? FAST_LEASES });
  }
}

export async function waitForActive(kinesis: KinesisClient, name: string): Promise<string> {
  return waitFor(
    async () => {
      const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      const summary = out.StreamDescriptionSummary;
      return summary?.StreamStatus === 'ACTIVE' ? summary.StreamARN : undefined;
    },
    { message: `stream ${name} not active`, intervalMs: 100 },
  );
}

/** Value of a mapping-labelled counter (0 when never incremented). */
export async function counterValue(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  mappingUuid: string,
): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => v.labels.mapping === mappingUuid).reduce((sum, v) => sum + v.value, 0);
}
