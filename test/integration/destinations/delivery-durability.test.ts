import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { counterValue, DestinationsFixture, kinesisDelivery, queueArn, queueJobs, receiveBodies } from './destinations-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('on-failure delivery across restarts', () => {
  let fixture: DestinationsFixture;

  beforeAll(() => {
    fixture = new DestinationsFixture(servers);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('stores a delivery in Redis before enqueue resolves, for the next worker to deliver', async () => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-dur') }));
    const producer = fixture.create();
    const delivery = kinesisDelivery(await queueArn(clients.sqs, QueueUrl!));

    await producer.destinations.enqueue(delivery);

    expect(await queueJobs(producer.metrics)).toStrictEqual({ waiting: 1, delayed: 0, failed: 0 });
    const stopping = producer.destinations.stop();
    expect(producer.destinations.stop()).toBe(stopping);
    await stopping;
    await expect(producer.destinations.enqueue(delivery)).rejects.toThrow(/stopped/);

    const worker = fixture.create();
    await worker.destinations.start();
    const bodies: string[] = [];
    await waitFor(async () => (await receiveBodies(clients.sqs, QueueUrl!, bodies)).length > 0, { message: 'queued delivery never delivered' });
    expect(bodies).toStrictEqual([JSON.stringify(delivery.record)]);
    await worker.destinations.stop();
  });

  it('delivers the jobs a stopped worker was still retrying once another instance starts', async () => {
    const queueName = uniqueName('t-restart');
    const { QueueUrl: probeUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-probe') }));
    const probeArn = await queueArn(clients.sqs, probeUrl!);
    const destinationArn = `${probeArn.slice(0, probeArn.lastIndexOf(':') + 1)}${queueName}`;
    const first = fixture.create({ backoffMs: 50, maxBackoffMs: 200 });
    await first.destinations.start();
    const deliveries = [1, 2, 3].map(() => kinesisDelivery(destinationArn));
    for (const delivery of deliveries) await first.destinations.enqueue(delivery);
    await waitFor(
      async () => {
        const attempted = await Promise.all(deliveries.map((d) => counterValue(first.metrics.destinationDeliveryFailures, d.mappingUuid)));
        return attempted.every((n) => n >= 1);
      },
      { message: 'deliveries were not attempted while the queue was missing' },
    );

    await first.destinations.stop();
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const second = fixture.create({ backoffMs: 50, maxBackoffMs: 200 });
    await second.destinations.start();

    const bodies: string[] = [];
    await waitFor(async () => (await receiveBodies(clients.sqs, QueueUrl!, bodies)).length >= 3, { message: 'not all deliveries arrived' });
    expect([...bodies].sort()).toStrictEqual(deliveries.map((d) => JSON.stringify(d.record)).sort());
    for (const delivery of deliveries) {
      expect(await counterValue(first.metrics.droppedEvents, delivery.mappingUuid)).toBe(0);
      expect(await counterValue(second.metrics.droppedEvents, delivery.mappingUuid)).toBe(0);
    }
    await waitFor(async () => {
      const counts = await queueJobs(second.metrics);
      return counts.waiting === 0 && counts.delayed === 0 && counts.failed === 0;
    });
  });
});
