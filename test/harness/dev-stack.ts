/**
 * `npm run dev`: the local stack for humans. Starts redis-server, fauxqs, kinesis-local and DynamoDB Local
 * (free ports, or DEV_REDIS_PORT / DEV_FAUXQS_PORT / DEV_KINESIS_PORT / DEV_DYNAMODB_PORT), creates the demo
 * resources config/local.yaml refers to, and runs the service with that file (port DEV_SERVICE_PORT, else
 * PORT, else 9050). Ctrl-C (SIGINT), SIGTERM, SIGHUP or the end of the parent process stops the service
 * first, letting it drain, then the servers; a watchdog stops them if this process is killed outright.
 * Without redis-server it says what to install and exits 1; without java it runs without DynamoDB Local.
 */
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { serviceEnv, testClients } from './aws-clients.js';
import { ManagedProcess } from './managed-process.js';
import { portFromEnv, prepareLocalRun } from './local-run.js';
import { REPO_ROOT } from './repo-root.js';
import { TEST_REGION, type ServerName } from './servers.js';
import { CLI_PATH } from './service-process.js';
import { startTestStack, type TestStack } from './test-stack.js';
import { onStopRequest, type StopReason } from './stop-request.js';
import { waitFor } from './wait-for.js';

const SERVICE_STOP_TIMEOUT_MS = 60_000;
const SERVER_STOP_TIMEOUT_MS = 10_000;
const DEFAULT_SERVICE_PORT = 9050;
const ACCOUNT_ID = '000000000000';

const SERVER_PROGRAMS: Record<ServerName, string> = { redis: 'redis-server', fauxqs: 'fauxqs', kinesis: 'kinesis-local', dynamodb: 'DynamoDB Local' };

const PORT_ENV: Record<ServerName, string> = {
  redis: 'DEV_REDIS_PORT',
  fauxqs: 'DEV_FAUXQS_PORT',
  kinesis: 'DEV_KINESIS_PORT',
  dynamodb: 'DEV_DYNAMODB_PORT',
};

function say(line = ''): void {
  process.stdout.write(`[dev-stack] ${line}\n`);
}

async function createDemoResources(stack: TestStack): Promise<{ queueUrl: string }> {
  const clients = testClients(stack.servers);
  try {
    const { QueueUrl: dlqUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'demo-dlq' }));
    const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const { QueueUrl: queueUrl } = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: 'demo-queue',
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: '3' }),
        },
      }),
    );
    await clients.sqs.send(new CreateQueueCommand({ QueueName: 'demo-failures' }));
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: 'demo-stream', ShardCount: 2 }));
    await waitFor(
      async () => {
        const { StreamDescriptionSummary } = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'demo-stream' }));
        return StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'Kinesis stream demo-stream did not become ACTIVE' },
    );
    return { queueUrl: queueUrl ?? '' };
  } finally {
    clients.destroy();
  }
}

function printUsage(stack: TestStack, queueUrl: string, servicePort: number): void {
  const { servers } = stack;
  say('servers:');
  say(`  Redis            ${servers.redisUrl}`);
  say(`  SQS / SNS / S3   ${servers.fauxqsEndpoint}   (fauxqs)`);
  say(`  Kinesis          ${servers.kinesisEndpoint}   (kinesis-local, account ${ACCOUNT_ID})`);
  if (servers.dynamodbEndpoint) say(`  DynamoDB         ${servers.dynamodbEndpoint}   (DynamoDB Local, streams on the same endpoint)`);
  say('demo resources: queues demo-queue (redrive to demo-dlq after 3 receives), demo-dlq, demo-failures; stream demo-stream (2 shards)');
  say();
  say('try it with the AWS CLI (v1 or v2):');
  say(`  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=${TEST_REGION}`);
  say(`  aws --endpoint-url ${servers.fauxqsEndpoint} sqs send-message --queue-url ${queueUrl} --message-body '{"orderId":1}'`);
  // fileb:// passes the file's bytes as they are in both CLI versions (v2 would read --data as base64).
  say(`  printf '{"click":"home"}' > /tmp/click.json`);
  say(`  aws --endpoint-url ${servers.kinesisEndpoint} kinesis put-record --stream-name demo-stream --partition-key user-1 --data fileb:///tmp/click.json`);
  say(`  curl http://127.0.0.1:${servicePort}/metrics      (also /healthz, /readyz)`);
  say();
  say('service log follows (what the handlers print is logged as function_log); Ctrl-C stops everything.');
}

async function main(): Promise<number> {
  const all: ServerName[] = ['redis', 'fauxqs', 'kinesis', 'dynamodb'];
  let ports: Record<ServerName, number | undefined>;
  let servicePort: number;
  try {
    ports = Object.fromEntries(all.map((name) => [name, portFromEnv(PORT_ENV[name])])) as Record<ServerName, number | undefined>;
    servicePort = portFromEnv('DEV_SERVICE_PORT') ?? portFromEnv('PORT') ?? DEFAULT_SERVICE_PORT;
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    return 1;
  }
  const run = prepareLocalRun(all, say);
  if (!run) return 1;
  const { registry } = run;
  const names = [...run.servers];

  let stopRequested: StopReason | undefined;
  let service: ManagedProcess | undefined;
  let stack: TestStack | undefined;
  const onStop = (signal: StopReason): void => {
    if (stopRequested) {
      if (signal === 'parent-gone') return;
      say(`${signal} again: killing everything now`);
      registry.killAll('SIGKILL');
      process.exit(130);
    }
    stopRequested = signal;
    say(`${signal === 'parent-gone' ? 'the parent process ended' : `${signal} received`}: stopping the service, then the servers`);
    // SIGTERM lets the service drain in-flight batches; SIGKILL only past the deadline.
    void service?.stop(SERVICE_STOP_TIMEOUT_MS);
    // Servers still starting: ending them makes the start fail at once instead of waiting for all to be ready.
    if (!stack) registry.killAll('SIGTERM');
  };
  onStopRequest(onStop);
  process.on('exit', () => registry.killAll('SIGKILL'));

  try {
    say(`starting ${names.map((name) => SERVER_PROGRAMS[name]).join(', ')}…`);
    // Own process groups: a Ctrl-C in the terminal must not reach the servers before the service drained.
    stack = await startTestStack(names, (name) => ({ port: ports[name], registry, detached: true }));
    if (stopRequested) return 0;
    const { queueUrl } = await createDemoResources(stack);
    printUsage(stack, queueUrl, servicePort);
    if (stopRequested) return 0;
    service = await ManagedProcess.start({
      name: 'esm-poller',
      command: process.execPath,
      args: [CLI_PATH, 'start', '--config', join(REPO_ROOT, 'config/local.yaml'), '--port', String(servicePort)],
      cwd: REPO_ROOT,
      env: { ...process.env, ...serviceEnv(stack.servers) },
      registry,
      detached: true,
      onStdoutLine: (line) => process.stdout.write(`${line}\n`),
      onStderrLine: (line) => process.stderr.write(`${line}\n`),
    });
    if (stopRequested) void service.stop(SERVICE_STOP_TIMEOUT_MS);
    const code = await service.exited;
    if (!stopRequested) say(`the service exited by itself with ${code === null ? 'a signal' : `code ${code}`}; stopping the servers`);
    return stopRequested ? 0 : (code ?? 1);
  } catch (err) {
    if (stopRequested) return 0;
    process.stderr.write(`[dev-stack] ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    if (service) await service.stop(SERVICE_STOP_TIMEOUT_MS);
    if (stack) await stack.stop(SERVER_STOP_TIMEOUT_MS);
    registry.killAll('SIGKILL');
    registry.remove();
    say('stopped');
  }
}

process.exitCode = await main();
