import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DestinationQueue } from '../../../src/destinations/destination-queue.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { testClients } from '../../harness/aws-clients.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';
import { counterValue, ScriptedInvoker } from '../kinesis/kinesis-fixture.js';
import { deliveredRecords, DynamodbFixture } from './dynamodb-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

/** DynamoDB prints arrival times without milliseconds (spec §3.7). */
const ARRIVAL_WITHOUT_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('DynamoDB Streams failures: on-failure record to SQS', () => {
  let fixture: DynamodbFixture;
  let destinations: DestinationQueue;
  let metrics: Metrics;

  beforeAll(async () => {
    fixture = new DynamodbFixture(servers, clients.dynamodb);
    ({ destinations, metrics } = await fixture.startDestinations());
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('discards a failed batch without retries and sends a DDBStreamBatchInfo record, then goes on', async () => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('t-dlq') }));
    const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const queueArn = attributes.Attributes!.QueueArn!;
    const table = await fixture.createTable();
    for (const pk of ['a', 'b']) await clients.dynamodb.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: pk } } }));
    const mapping = fixture.mapping(table.streamArn, { MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: queueArn } } });
    // The first invocation fails; later ones succeed.
    const invoker = new ScriptedInvoker((_event, index) => (index === 0 ? { kind: 'function_error' } : { kind: 'success' }));
    const subject = fixture.poller(mapping, invoker, { destinations });
    await subject.poller.start();

    const body = await waitFor(
      async () => (await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))).Messages?.[0]?.Body,
      { message: 'no failure record on the destination queue' },
    );
    const record = JSON.parse(body) as Record<string, unknown>;
    const contents = await fixture.streamContents(clients.dynamodbStreams, table.streamArn);
    expect(Object.keys(record)).toEqual(['requestContext', 'responseContext', 'version', 'timestamp', 'DDBStreamBatchInfo']);
    expect(record).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${mapping.FunctionName}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 1,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      DDBStreamBatchInfo: {
        shardId: contents.shardId,
        startSequenceNumber: contents.sequenceNumbers[0],
        endSequenceNumber: contents.sequenceNumbers[1],
        approximateArrivalOfFirstRecord: expect.stringMatching(ARRIVAL_WITHOUT_MILLIS),
        approximateArrivalOfLastRecord: expect.stringMatching(ARRIVAL_WITHOUT_MILLIS),
        batchSize: 2,
        streamArn: table.streamArn,
      },
    });
    expect(Object.keys(record.DDBStreamBatchInfo as object)).toEqual([
      'shardId',
      'startSequenceNumber',
      'endSequenceNumber',
      'approximateArrivalOfFirstRecord',
      'approximateArrivalOfLastRecord',
      'batchSize',
      'streamArn',
    ]);

    // The shard is not blocked: the next change is delivered.
    await clients.dynamodb.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: 'c' } } }));
    await waitFor(() => invoker.events.length >= 2, { message: 'the shard stayed blocked after the discard' });
    expect(invoker.events).toHaveLength(2);
    expect(deliveredRecords(invoker).map((event) => event.dynamodb.Keys.pk)).toEqual([{ S: 'a' }, { S: 'b' }, { S: 'c' }]);
    await waitFor(async () => (await counterValue(metrics.onFailureDestinationDeliveredEvents, mapping.UUID)) === 2, {
      message: 'delivered events not counted',
    });
  });
});
