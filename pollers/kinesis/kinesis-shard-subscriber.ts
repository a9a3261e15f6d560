import type { _Record as KinesisRecord, KinesisClient, StartingPosition, SubscribeToShardEventStream } from '@aws-sdk/client-kinesis';
import { InvalidParameterValueException } from '../../src/errors/api-error.js';
import type { IteratorPosition, ShardReaderErrorKind } from '../streams/shard-reader.js';
import type { PushedEvent, ShardSubscriber } from '../streams/shard-subscriber.js';
import { withSignal } from '../../src/aws/call-signal.js';
import { kinesisSdk } from '../../src/aws/sdk-packages.js';

/** Error names of SubscribeToShard and its event stream, sorted by what the shard engine does about them. */
const ERROR_KINDS: Readonly<Record<string, ShardReaderErrorKind>> = {
  // Another subscription of this consumer to the shard is active (a new one within 5 s of the last): back off.
  ResourceInUseException: 'throughput_exceeded',
  LimitExceededException: 'throughput_exceeded',
  KMSThrottlingException: 'throughput_exceeded',
  ResourceNotFoundException: 'not_found',
};

/**
 * Reads a Kinesis stream through an enhanced fan-out consumer: SubscribeToShard over HTTP/2 (the client must use
 * the SDK's NodeHttp2Handler). Each subscription pushes SubscribeToShardEvents for up to 5 minutes.
 */
export class KinesisShardSubscriber implements ShardSubscriber<KinesisRecord> {
  constructor(
    /** A client whose request handler speaks HTTP/2. */
    private readonly client: KinesisClient,
    private readonly consumerArn: string,
  ) {}

  async subscribe(shardId: string, position: IteratorPosition, signal: AbortSignal): Promise<AsyncIterable<PushedEvent<KinesisRecord>>> {
    // The HTTP/2 handler takes its signal as an option (see `call-signal.ts` for the HTTP/1.1 clients).
    const out = await this.client.send(
      new (kinesisSdk().SubscribeToShardCommand)({ ConsumerARN: this.consumerArn, ShardId: shardId, StartingPosition: startingPositionOf(position) }),
      { abortSignal: signal },
    );
    const stream = out.EventStream;
    if (!stream) throw new Error(`SubscribeToShard returned no event stream for ${shardId}`);
    return pushedEvents(stream);
  }

  classifyError(err: unknown): ShardReaderErrorKind {
    const name = err instanceof Error ? err.name : undefined;
    return (name && ERROR_KINDS[name]) || 'other';
  }
}

/**
 * Checks that an enhanced fan-out consumer exists and is ACTIVE (DescribeStreamConsumer), as Lambda does before it
 * reads through one; rejects with InvalidParameterValueException otherwise.
 */
export async function verifyStreamConsumer(client: KinesisClient, consumerArn: string, signal?: AbortSignal): Promise<void> {
  let status: string | undefined;
  try {
    const out = await client.send(withSignal(new (kinesisSdk().DescribeStreamConsumerCommand)({ ConsumerARN: consumerArn }), signal));
    status = out.ConsumerDescription?.ConsumerStatus;
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') {
      throw new InvalidParameterValueException(`Stream consumer not found: ${consumerArn}`, { cause: err });
    }
    throw err;
  }
  if (status !== 'ACTIVE') throw new InvalidParameterValueException(`Stream consumer is not ACTIVE (${status ?? 'unknown'}): ${consumerArn}`);
}

function startingPositionOf(position: IteratorPosition): StartingPosition {
  switch (position.type) {
    case 'AFTER_SEQUENCE_NUMBER':
      return { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position.sequenceNumber };
    case 'AT_TIMESTAMP':
      return { Type: 'AT_TIMESTAMP', Timestamp: new Date(position.timestampMs) };
    default:
      return { Type: position.type };
  }
}

/** The SDK's event union as pushed events; an exception event of the stream is thrown, named as Kinesis names it. */
async function* pushedEvents(stream: AsyncIterable<SubscribeToShardEventStream>): AsyncGenerator<PushedEvent<KinesisRecord>> {
  for await (const item of stream) {
    const event = item.SubscribeToShardEvent;
    if (!event) {
      const [name = 'UnknownEventStreamMember', detail] = Object.entries(item).find(([, value]) => value !== undefined) ?? [];
      const error = new Error(`SubscribeToShard event stream: ${name}: ${(detail as { message?: string } | undefined)?.message ?? ''}`);
      error.name = name;
      throw error;
    }
    yield {
      records: event.Records ?? [],
      continuationSequenceNumber: event.ContinuationSequenceNumber ?? null,
      millisBehindLatest: event.MillisBehindLatest ?? 0,
      childShardIds: (event.ChildShards ?? []).flatMap((child) => (child.ShardId ? [child.ShardId] : [])),
    };
  }
}
