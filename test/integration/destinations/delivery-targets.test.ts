import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { counterValue, DestinationsFixture, kinesisDelivery, queueArn, receiveBodies, type DestinationsUnderTest } from './destinations-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('on-failure delivery to SQS, SNS and S3', () => {
  let fixture: DestinationsFixture;
  let subject: DestinationsUnderTest;

  beforeAll(async () => {
    fixture = new DestinationsFixture(servers);
    subject = fixture.create();
    await subject.destinations.start();
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('sends the record JSON as the body of an SQS message', async () => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-sqs') }));
    const delivery = kinesisDelivery(await queueArn(clients.sqs, QueueUrl!));

    await subject.destinations.enqueue(delivery);

    const bodies: string[] = [];
    await waitFor(async () => (await receiveBodies(clients.sqs, QueueUrl!, bodies)).length > 0, { message: 'no SQS message' });
    expect(bodies).toStrictEqual([JSON.stringify(delivery.record)]);
    expect(JSON.parse(bodies[0]!)).not.toHaveProperty('payload');
    await waitFor(async () => (await counterValue(subject.metrics.onFailureDestinationDeliveredEvents, delivery.mappingUuid)) === 3, {
      message: 'delivered events not counted',
    });
    expect(await counterValue(subject.metrics.droppedEvents, delivery.mappingUuid)).toBe(0);
    expect(subject.logs).toContainEqual(
      expect.objectContaining({ msg: 'destination_delivered', level: 'debug', destinationArn: delivery.destinationArn, eventCount: 3 }),
    );
  });

  it('publishes the record JSON as the Message of an SNS notification', async () => {
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: uniqueName('t-topic') }));
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-sub') }));
    await clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await queueArn(clients.sqs, QueueUrl!) }));
    const delivery = kinesisDelivery(TopicArn!);

    await subject.destinations.enqueue(delivery);

    const bodies: string[] = [];
    await waitFor(async () => (await receiveBodies(clients.sqs, QueueUrl!, bodies)).length > 0, { message: 'no SNS notification' });
    const envelope = JSON.parse(bodies[0]!) as Record<string, unknown>;
    expect(envelope).toMatchObject({ Type: 'Notification', TopicArn });
    expect(envelope.Message).toBe(JSON.stringify(delivery.record));
    await waitFor(async () => (await counterValue(subject.metrics.onFailureDestinationDeliveredEvents, delivery.mappingUuid)) === 3);
  });

  it('writes the record and the payload string as a JSON object under the AWS key layout', async () => {
    const bucket = uniqueName('t-bucket').toLowerCase().replace(/[^a-z0-9-]/g, '-');
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const delivery = kinesisDelivery(`arn:aws:s3:::${bucket}`);

    await subject.destinations.enqueue(delivery);

    const prefix = `aws/lambda/${delivery.mappingUuid}/shardId-000000000001/2019/11/14/`;
    const listed = await waitFor(
      async () => (await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'aws/lambda/' }))).Contents?.[0]?.Key,
      { message: 'no S3 object' },
    );
    expect(listed).toMatch(new RegExp(`^${prefix}2019-11-14T00\\.38\\.06-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: listed }));
    expect(object.ContentType).toBe('application/json');
    const body = JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
    expect(Object.keys(body)).toStrictEqual([...Object.keys(delivery.record), 'payload']);
    expect(typeof body.payload).toBe('string');
    expect(body.payload).toBe(delivery.payload);
    expect({ ...body, payload: undefined }).toStrictEqual({ ...delivery.record, payload: undefined });
  });
});
