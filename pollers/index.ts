import type { PollerFactory } from '../src/mappings/poller.js';
import type { SourceKind } from '../src/mappings/event-source-mapping.js';
import { createSqsPoller } from './sqs/sqs-poller.js';
import { createKinesisPoller } from './kinesis/kinesis-poller.js';
import { createDynamodbStreamsPoller } from './dynamodb-streams/dynamodb-poller.js';

/** Source kind → the poller that serves mappings of that kind. */
export const pollerFactories: Readonly<Record<SourceKind, PollerFactory | undefined>> = {
  sqs: createSqsPoller,
  kinesis: createKinesisPoller,
  dynamodb: createDynamodbStreamsPoller,
};
