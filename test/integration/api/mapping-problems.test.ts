import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GetEventSourceMappingCommand, ListEventSourceMappingsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { testClients } from '../../harness/aws-clients.js';
import { createTestStream } from '../../harness/kinesis-stream.js';
import { lambdaClientFor } from '../../harness/lambda-client.js';
import { startRecordingTarget, type RecordingTarget } from '../../harness/recording-target.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../harness/wait-for.js';

const servers = inject('servers');
const clients = testClients(servers);
const queueArn = (name: string) => `arn:aws:sqs:${servers.region}:000000000000:${name}`;

/** Problems a user sees through GetEventSourceMapping, on a service whose sources and destinations go away. */
describe('a mapping whose source or destination fails, as the API shows it', () => {
  let target: RecordingTarget;
  let service: RunningService;
  let lambda: LambdaClient;
  const sourceQueue = uniqueName('t-problem-source');
  const destinationQueue = uniqueName('t-problem-destination');
  let streamArn: string;
  let putRecord: (data: string) => Promise<void>;

  beforeAll(async () => {
    await clients.sqs.send(new CreateQueueCommand({ QueueName: sourceQueue }));
    const stream = await createTestStream(clients.kinesis, 1, 't-problem');
    streamArn = stream.arn;
    putRecord = (data) => stream.put([data]);
    target = await startRecordingTarget(() => ({ status: 500, body: { message: 'always fails' } }));
    service = await startService({
      servers,
      config: [
        `functions: { f: { url: "${target.url}" } }`,
        'eventSourceMappings:',
        `  - { FunctionName: f, EventSourceArn: "${queueArn(sourceQueue)}" }`,
        `  - FunctionName: f`,
        `    EventSourceArn: "${streamArn}"`,
        '    StartingPosition: TRIM_HORIZON',
        '    MaximumRetryAttempts: 0',
        `    DestinationConfig: { OnFailure: { Destination: "${queueArn(destinationQueue)}" } }`,
      ].join('\n'),
    });
    lambda = lambdaClientFor(service.url);
  });

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
    await target?.close();
    clients.destroy();
  });

  async function mappingOf(eventSourceArn: string) {
    const listed = await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: eventSourceArn }));
    return lambda.send(new GetEventSourceMappingCommand({ UUID: listed.EventSourceMappings![0]!.UUID! }));
  }

  it('an SQS queue deleted while mapped shows in StateTransitionReason until it can be read again', async () => {
    expect((await mappingOf(queueArn(sourceQueue))).StateTransitionReason).toBe('USER_INITIATED');
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: sourceQueue }));
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    const problem = await waitFor(
      async () => {
        const reason = (await mappingOf(queueArn(sourceQueue))).StateTransitionReason!;
        return reason.startsWith('PROBLEM: Source not found: ') ? reason : undefined;
      },
      { message: 'the missing queue never showed in StateTransitionReason', timeoutMs: 30_000 },
    );
    expect(problem).toContain('queue does not exist');
    expect((await mappingOf(queueArn(sourceQueue))).State).toBe('Enabled');

    await clients.sqs.send(new CreateQueueCommand({ QueueName: sourceQueue }));
    await waitFor(async () => (await mappingOf(queueArn(sourceQueue))).StateTransitionReason === 'USER_INITIATED', {
      message: 'the state reason kept the problem after the queue was back',
      timeoutMs: 30_000,
    });
  });

  it('a failing on-failure destination shows in LastProcessingResult until it takes a delivery again', async () => {
    await putRecord('doomed');
    const result = await waitFor(
      async () => {
        const current = (await mappingOf(streamArn)).LastProcessingResult!;
        return current.startsWith('PROBLEM: On-failure destination delivery failed: ') ? current : undefined;
      },
      { message: 'the failing destination never showed in LastProcessingResult', timeoutMs: 30_000 },
    );
    expect(result).toContain(queueArn(destinationQueue));

    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: destinationQueue }));
    await waitFor(async () => (await mappingOf(streamArn)).LastProcessingResult === 'PROBLEM: Function call failed', {
      message: 'LastProcessingResult kept the destination problem after a delivery',
      timeoutMs: 30_000,
    });
    const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(Number(attributes.Attributes!.ApproximateNumberOfMessages)).toBe(1);
  });
});
