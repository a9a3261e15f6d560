import type { AwsClientFactory } from '../src/aws/client-factory.js';
import { InvalidParameterValueException } from '../src/errors/api-error.js';
import type { SourceCheck } from '../src/mappings/source-check.js';
import { parseSourceArn } from '../src/mappings/source-arn.js';
import { resolveSqsQueue, visibilityTimeoutError } from './sqs/sqs-queue.js';
import { verifyStreamConsumer } from './kinesis/kinesis-shard-subscriber.js';
import { dynamodbStreamsSdk, kinesisSdk } from '../src/aws/sdk-packages.js';

/** The SDK's name for a stream that does not exist (Kinesis and DynamoDB Streams). */
const STREAM_NOT_FOUND = 'ResourceNotFoundException';

/**
 * The source checks of the management API, with the SDK calls the pollers themselves make at start: GetQueueUrl and
 * the visibility timeout for SQS, ListShards (and DescribeStreamConsumer for a consumer ARN) for Kinesis, DescribeStream for DynamoDB Streams.
 */
export function createSourceCheck(aws: AwsClientFactory): SourceCheck {
  return async (mapping, functionTimeoutSeconds) => {
    const arn = parseSourceArn(mapping.EventSourceArn);
    if (!arn) throw new InvalidParameterValueException('Unrecognized event source.');
    switch (arn.kind) {
      case 'sqs': {
        const queue = await resolveSqsQueue(aws.sqs(arn.region), arn.arn);
        const error = visibilityTimeoutError(queue, functionTimeoutSeconds);
        if (error) throw error;
        return;
      }
      case 'kinesis':
        await streamExists(arn.streamArn, () => aws.kinesis(arn.region).send(new (kinesisSdk().ListShardsCommand)({ StreamARN: arn.streamArn, MaxResults: 1 })));
        if (arn.efoConsumer) await verifyStreamConsumer(aws.kinesis(arn.region), arn.arn);
        return;
      case 'dynamodb':
        await streamExists(arn.streamArn, () => aws.dynamodbStreams(arn.region).send(new (dynamodbStreamsSdk().DescribeStreamCommand)({ StreamArn: arn.streamArn, Limit: 1 })));
        return;
    }
  };
}

async function streamExists(streamArn: string, describe: () => Promise<unknown>): Promise<void> {
  try {
    await describe();
  } catch (err) {
    if (err instanceof Error && err.name === STREAM_NOT_FOUND) throw new InvalidParameterValueException(`Stream not found: ${streamArn}`, { cause: err });
    throw err;
  }
}
