import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { counterValue, DestinationsFixture, kinesisDelivery, queueArn, queueJobs, receiveBodies } from './destinations-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('on-failure delivery retries', () => {
  let fixture: DestinationsFixture;
  /** ARN prefix of the emulator's queues: arn:aws:sqs:<region>:<account>: */
  let sqsArnPrefix: string;

  beforeAll(async () => {
    fixture = new DestinationsFixture(servers);
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-probe') }));
    const arn = await queueArn(clients.sqs, QueueUrl!);
    sqsArnPrefix = arn.slice(0, arn.lastIndexOf(':') + 1);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('keeps retrying through a destination outage and delivers once the queue exists', async () => {
    const subject = fixture.createIsolated({ backoffMs: 50, maxBackoffMs: 200 });
    await subject.destinations.start();
    const queueName = uniqueName('t-late');
    const delivery = kinesisDelivery(`${sqsArnPrefix}${queueName}`);

    await subject.destinations.enqueue(delivery);
    await waitFor(async () => (await counterValue(subject.metrics.destinationDeliveryFailures, delivery.mappingUuid)) >= 2, {
      message: 'no failed attempts while the queue is missing',
    });
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }));

    const bodies: string[] = [];
    await waitFor(async () => (await receiveBodies(clients.sqs, QueueUrl!, bodies)).length > 0, { message: 'not delivered after the outage' });
    expect(bodies).toStrictEqual([JSON.stringify(delivery.record)]);
    await waitFor(async () => (await counterValue(subject.metrics.onFailureDestinationDeliveredEvents, delivery.mappingUuid)) === 3);
    expect(await counterValue(subject.metrics.droppedEvents, delivery.mappingUuid)).toBe(0);
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'destination_delivery_retrying', level: 'warn' }));
  });

  it('leaves the job in the failed set and counts its events as dropped once the attempts are exhausted', async () => {
    const subject = fixture.createIsolated({ attempts: 3, backoffMs: 20, maxBackoffMs: 50 });
    await subject.destinations.start();
    const delivery = kinesisDelivery(`${sqsArnPrefix}${uniqueName('t-never')}`, { eventCount: 7 });

    await subject.destinations.enqueue(delivery);

    await waitFor(async () => (await queueJobs(subject.metrics)).failed === 1, { message: 'job not in the failed set' });
    expect(await counterValue(subject.metrics.droppedEvents, delivery.mappingUuid)).toBe(7);
    expect(await counterValue(subject.metrics.destinationDeliveryFailures, delivery.mappingUuid)).toBe(3);
    expect(await counterValue(subject.metrics.onFailureDestinationDeliveredEvents, delivery.mappingUuid)).toBe(0);
    expect(await queueJobs(subject.metrics)).toStrictEqual({ waiting: 0, delayed: 0, failed: 1 });
    expect(subject.logs).toContainEqual(
      expect.objectContaining({ msg: 'destination_delivery_failed', level: 'error', esmUuid: delivery.mappingUuid, attempts: 3, eventCount: 7 }),
    );
  });

  it('fails a FIFO destination at once, without retries, as AWS refuses it', async () => {
    const subject = fixture.createIsolated({ backoffMs: 20 });
    await subject.destinations.start();
    const queueName = `${uniqueName('t-fifo')}.fifo`;
    await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: { FifoQueue: 'true' } }));
    const delivery = kinesisDelivery(`${sqsArnPrefix}${queueName}`);

    await subject.destinations.enqueue(delivery);

    await waitFor(async () => (await counterValue(subject.metrics.droppedEvents, delivery.mappingUuid)) === 3, { message: 'FIFO delivery not dropped' });
    expect(await counterValue(subject.metrics.destinationDeliveryFailures, delivery.mappingUuid)).toBe(1);
    expect(subject.logs).toContainEqual(
      expect.objectContaining({ msg: 'destination_delivery_failed', attempts: 1, err: expect.objectContaining({ message: expect.stringContaining('FIFO') }) }),
    );
  });

  it('fails a malformed destination ARN at once', async () => {
    const subject = fixture.createIsolated({ backoffMs: 20 });
    await subject.destinations.start();
    const delivery = kinesisDelivery('arn:aws:lambda:us-east-1:000000000000:function:not-a-destination');

    await subject.destinations.enqueue(delivery);

    await waitFor(async () => (await counterValue(subject.metrics.droppedEvents, delivery.mappingUuid)) === 3, { message: 'bad ARN not dropped' });
    expect(await counterValue(subject.metrics.destinationDeliveryFailures, delivery.mappingUuid)).toBe(1);
  });
});
