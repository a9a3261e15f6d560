import type { _Record as DynamodbStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { parseSourceArn } from '../../src/mappings/source-arn.js';
import type { PollerContext, PollerFactory } from '../../src/mappings/poller.js';
import { StreamPoller, type StreamPollerOptions } from '../streams/stream-poller.js';
import { DynamodbEventBuilder } from './dynamodb-event.js';
import { DynamodbShardReader } from './dynamodb-shard-reader.js';

/**
 * The poller of a DynamoDB Streams mapping: the shard engine (pollers/streams) over the DynamoDB Streams reader
 * and event shape. The client signs with the region of the stream ARN. `options` are for tests and tuning
 * (lease timings, shard sync period).
 */
export function dynamodbStreamsPollerFactory(options: StreamPollerOptions = {}): PollerFactory {
  return (context: PollerContext) => {
    const { mapping } = context;
    const arn = parseSourceArn(mapping.EventSourceArn);
    if (!arn || arn.kind !== 'dynamodb') throw new Error(`Not a DynamoDB stream ARN: ${mapping.EventSourceArn}`);
    const reader = new DynamodbShardReader(context.aws.dynamodbStreams(arn.region), arn.streamArn);
    const events = new DynamodbEventBuilder({ awsRegion: arn.region, eventSourceArn: arn.streamArn });
    return new StreamPoller<DynamodbStreamRecord>(context, { reader, events, streamArn: arn.streamArn }, options);
  };
}

export const createDynamodbStreamsPoller: PollerFactory = dynamodbStreamsPollerFactory();
