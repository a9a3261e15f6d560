import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DestinationQueue } from '../../../src/destinations/destination-queue.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { testClients } from '../../harness/aws-clients.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { counterValue, KinesisFixture, ScriptedInvoker } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

/** The record AWS sends for a Kinesis batch that exhausted its retries (spec §3.7), for the given records. */
function expectedRecord(streamArn: string, mappingFunction: string, put: { shardId: string; sequenceNumber: string }[]) {
  return {
    requestContext: {
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${mappingFunction}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    KinesisBatchInfo: {
      shardId: put[0]!.shardId,
      startSequenceNumber: put[0]!.sequenceNumber,
      endSequenceNumber: put[put.length - 1]!.sequenceNumber,
      approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      batchSize: put.length,
      streamArn,
    },
  };
}

const RECORD_KEYS = ['requestContext', 'responseContext', 'version', 'timestamp', 'KinesisBatchInfo'];

describe('Kinesis on-failure destinations through BullMQ: SQS, SNS, S3', () => {
  let fixture: KinesisFixture;
  let destinations: DestinationQueue;
  let metrics: Metrics;

  beforeAll(async () => {
    fixture = new KinesisFixture(servers, clients.kinesis);
    ({ destinations, metrics } = await fixture.startDestinations());
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  /** A one-shard stream with two records and a mapping whose function always fails, without retries. */
  async function failingMapping(destinationArn: string) {
    const stream = await fixture.createStream(1);
    const put = await fixture.put(stream.arn, [{ data: '{"n":1}', key: 'k' }, { data: '{"n":2}', key: 'k' }]);
    const mapping = fixture.mapping(stream.arn, { MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: destinationArn } } });
    const subject = fixture.poller(mapping, new ScriptedInvoker(() => ({ kind: 'function_error' })), { destinations });
    await subject.poller.start();
    return { stream, put, mapping, subject };
  }

  async function createQueue(): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-dlq') }));
    const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl!, arn: attributes.Attributes!.QueueArn! };
  }

  async function receiveOne(queueUrl: string): Promise<string> {
    return waitFor(
      async () => (await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }))).Messages?.[0]?.Body,
      { message: 'no message on the destination queue' },
    );
  }

  it('sends the failure record as the body of an SQS message', async () => {
    const queue = await createQueue();
    const { stream, put, mapping } = await failingMapping(queue.arn);

    const body = JSON.parse(await receiveOne(queue.url)) as Record<string, unknown>;

    expect(Object.keys(body)).toEqual(RECORD_KEYS);
    expect(body).toEqual(expectedRecord(stream.arn, mapping.FunctionName, put));
    await waitFor(async () => (await counterValue(metrics.onFailureDestinationDeliveredEvents, mapping.UUID)) === 2, {
      message: 'delivered events not counted',
    });
  });

  it('publishes the failure record as the Message of an SNS notification', async () => {
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: uniqueName('t-topic') }));
    const queue = await createQueue();
    await clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
    const { stream, put, mapping } = await failingMapping(TopicArn!);

    const envelope = JSON.parse(await receiveOne(queue.url)) as { Type: string; TopicArn: string; Message: string };

    expect(envelope).toMatchObject({ Type: 'Notification', TopicArn });
    expect(JSON.parse(envelope.Message)).toEqual(expectedRecord(stream.arn, mapping.FunctionName, put));
  });

  it('writes the failure record with the invocation payload to S3 under aws/lambda/<UUID>/<shardId>/…', async () => {
    const bucket = uniqueName('t-bucket').toLowerCase();
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { stream, put, mapping } = await failingMapping(`arn:aws:s3:::${bucket}`);

    const key = await waitFor(
      async () => (await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'aws/lambda/' }))).Contents?.[0]?.Key,
      { message: 'no S3 object' },
    );
    expect(key).toMatch(
      new RegExp(`^aws/lambda/${mapping.UUID}/${put[0]!.shardId}/\\d{4}/\\d\\d/\\d\\d/\\d{4}-\\d\\d-\\d\\dT\\d\\d\\.\\d\\d\\.\\d\\d-[0-9a-f-]{36}$`),
    );
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([...RECORD_KEYS, 'payload']);
    expect({ ...body, payload: undefined }).toEqual({ ...expectedRecord(stream.arn, mapping.FunctionName, put), payload: undefined });
    const payload = JSON.parse(body.payload as string) as { Records: { kinesis: { data: string; sequenceNumber: string } }[] };
    expect(payload.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString())).toEqual(['{"n":1}', '{"n":2}']);
    expect(payload.Records.map((record) => record.kinesis.sequenceNumber)).toEqual(put.map((entry) => entry.sequenceNumber));
  });
});
