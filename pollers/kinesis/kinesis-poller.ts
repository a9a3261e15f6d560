import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { parseSourceArn } from '../../src/mappings/source-arn.js';
import type { PollerContext, PollerFactory } from '../../src/mappings/poller.js';
import { StreamPoller, type StreamPollerOptions } from '../streams/stream-poller.js';
import { KinesisEventBuilder } from './kinesis-event.js';
import { KinesisShardReader } from './kinesis-shard-reader.js';
import { KinesisShardSubscriber, verifyStreamConsumer } from './kinesis-shard-subscriber.js';

/**
 * The poller of a Kinesis mapping: the shard engine (pollers/streams) over the Kinesis reader and event shape.
 * A stream consumer ARN (enhanced fan-out) reads every shard through SubscribeToShard once the consumer is found
 * ACTIVE; events still name the stream. `options` are for tests and tuning (lease timings, shard sync period).
 */
export function kinesisPollerFactory(options: StreamPollerOptions = {}): PollerFactory {
  return (context: PollerContext) => {
    const { mapping, fn } = context;
    const arn = parseSourceArn(mapping.EventSourceArn);
    if (!arn || arn.kind !== 'kinesis') throw new Error(`Not a Kinesis stream ARN: ${mapping.EventSourceArn}`);
    const reader = new KinesisShardReader(context.aws.kinesis(arn.region), arn.streamArn);
    const events = new KinesisEventBuilder({
      awsRegion: arn.region,
      eventSourceArn: arn.streamArn,
      invokeIdentityArn: executionRoleArn(fn.arn, mapping.FunctionName),
    });
    if (!arn.efoConsumer) return new StreamPoller<KinesisRecord>(context, { reader, events, streamArn: arn.streamArn }, options);
    const kinesis = context.aws.kinesis(arn.region);
    const fanOut = {
      subscriber: new KinesisShardSubscriber(context.aws.kinesisHttp2(arn.region), arn.arn),
      verify: (signal: AbortSignal) => verifyStreamConsumer(kinesis, arn.arn, signal),
    };
    return new StreamPoller<KinesisRecord>(context, { reader, events, streamArn: arn.streamArn, ...fanOut }, options);
  };
}

export const createKinesisPoller: PollerFactory = kinesisPollerFactory();

/**
 * The identity the function is invoked with, as events report it in `invokeIdentityArn`: an IAM role of the
 * function's account named after the function (configured functions have no IAM role of their own).
 */
export function executionRoleArn(functionArn: string, functionName: string): string {
  const [, partition = 'aws', , , account = '000000000000'] = functionArn.split(':');
  return `arn:${partition}:iam::${account}:role/${functionName}-role`;
}
