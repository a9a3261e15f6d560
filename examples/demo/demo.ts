/**
 * `npm run demo`: the whole thing in one command. Starts Redis and the emulators (the test harness's
 * launcher), the service with examples/demo/demo.yaml, creates the DynamoDB Streams mapping through the Lambda
 * API, runs a traffic generator, and shows per mapping what was produced, delivered, failed and sent to
 * destinations, refreshed in place, with what the handlers print. Ctrl-C, SIGTERM, SIGHUP or the end of the
 * parent stops everything it started; a watchdog does it if the demo is killed outright.
 * DEMO_PORT picks the service's port (default: a free one).
 */
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import logUpdate from 'log-update';
import { serviceEnv, testClients, type TestClients } from '../../test/harness/aws-clients.js';
import { freePort } from '../../test/harness/free-port.js';
import { lambdaClientFor } from '../../test/harness/lambda-client.js';
import { portFromEnv, prepareLocalRun, type LocalRun } from '../../test/harness/local-run.js';
import { ManagedProcess } from '../../test/harness/managed-process.js';
import { REPO_ROOT } from '../../test/harness/repo-root.js';
import { CLI_PATH } from '../../test/harness/service-process.js';
import { onStopRequest, type StopReason } from '../../test/harness/stop-request.js';
import { startTestStack, type TestStack } from '../../test/harness/test-stack.js';
import { waitFor } from '../../test/harness/wait-for.js';
import { CDC_FAILURES_QUEUE, createDemoResources, sqsArn, type DemoResources } from './demo-resources.js';
import { mappingRows, renderScreen, type MappingOfSource } from './demo-view.js';
import { parsePrometheusText } from './prometheus-text.js';
import { TrafficGenerator } from './traffic-generator.js';

const DEMO_CONFIG = join(REPO_ROOT, 'examples/demo/demo.yaml');
const SERVICE_READY_TIMEOUT_MS = 30_000;
const SERVICE_STOP_TIMEOUT_MS = 20_000;
const SERVER_STOP_TIMEOUT_MS = 10_000;
/** Screen refresh: in place on a terminal; a plain copy less often when the output is a pipe or a file. */
const TERMINAL_REFRESH_MS = 1_000;
const PIPE_REFRESH_MS = 5_000;
const HANDLER_LINES_SHOWN = 8;
/** In place only on a terminal with a size (a pseudo-terminal without one would show nothing). */
const SCREEN_IN_PLACE = process.stdout.isTTY === true && (process.stdout.rows ?? 0) > 0;
const HANDLER_LINE_MAX_CHARS = 140;

const MAPPINGS: readonly MappingOfSource[] = [
  { source: 'sqs', functionName: 'order-consumer' },
  { source: 'kinesis', functionName: 'click-counter' },
  { source: 'dynamodb', functionName: 'order-cdc' },
];

function say(line = ''): void {
  process.stdout.write(`[demo] ${line}\n`);
}

/** The service process, its log written to a file, the handlers' latest lines kept for the screen. */
async function startDemoService(stack: TestStack, run: LocalRun, port: number, logFile: string, handlerLines: string[]): Promise<ManagedProcess> {
  const log = createWriteStream(logFile);
  const service = await ManagedProcess.start({
    name: 'esm-poller',
    command: process.execPath,
    args: [CLI_PATH, 'start', '--config', DEMO_CONFIG, '--port', String(port)],
    cwd: REPO_ROOT,
    env: { ...process.env, ...serviceEnv(stack.servers) },
    registry: run.registry,
    detached: true,
    onStdoutLine: (line) => {
      log.write(`${line}\n`);
      const shown = handlerLine(line);
      if (shown === undefined) return;
      handlerLines.push(shown);
      if (handlerLines.length > HANDLER_LINES_SHOWN) handlerLines.shift();
    },
    onStderrLine: (line) => log.write(`${line}\n`),
  });
  void service.exited.then(() => log.end());
  return service;
}

/** `[function request-id] text` for a `function_log` line of the service's log, else undefined. */
function handlerLine(line: string): string | undefined {
  if (!line.includes('"function_log"')) return undefined;
  try {
    const record = JSON.parse(line) as { msg?: string; functionName?: string; requestId?: string; text?: string };
    if (record.msg !== 'function_log') return undefined;
    return fitted(`[${record.functionName} ${(record.requestId ?? '').slice(0, 8)}] ${record.text ?? ''}`, HANDLER_LINE_MAX_CHARS);
  } catch {
    return undefined;
  }
}

/** `line` cut to `width` characters, with an ellipsis when cut. */
function fitted(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

async function awaitReady(service: ManagedProcess, url: string): Promise<void> {
  await waitFor(
    async () => {
      if (!service.running) throw new Error(service.describe('exited before it was ready'));
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.status === 200;
    },
    { timeoutMs: SERVICE_READY_TIMEOUT_MS, intervalMs: 200, message: 'the service did not become ready' },
  );
}

/** The DynamoDB Streams mapping, created as any AWS tool would: CreateEventSourceMapping on the Lambda API. */
async function createCdcMapping(serviceUrl: string, streamArn: string): Promise<string> {
  const lambda = lambdaClientFor(serviceUrl);
  try {
    const created = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'order-cdc',
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 25,
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: sqsArn(CDC_FAILURES_QUEUE) } },
      }),
    );
    return created.UUID ?? '';
  } finally {
    lambda.destroy();
  }
}

/** Keeps the screen up to date until `signal` aborts. */
async function showScreen(options: {
  clients: TestClients;
  resources: DemoResources;
  serviceUrl: string;
  logFile: string;
  traffic: TrafficGenerator;
  handlerLines: readonly string[];
  notes: readonly string[];
  signal: AbortSignal;
}): Promise<void> {
  const interactive = SCREEN_IN_PLACE;
  const started = Date.now();
  const mappings = MAPPINGS.filter((mapping) => mapping.source !== 'dynamodb' || options.resources.ordersStreamArn !== undefined);
  while (!options.signal.aborted) {
    try {
      const text = await (await fetch(`${options.serviceUrl}/metrics`, { signal: options.signal })).text();
      const dlq = await options.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: options.resources.ordersDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
        { abortSignal: options.signal },
      );
      const screen = renderScreen({
        rows: mappingRows(mappings, parsePrometheusText(text), options.traffic.produced, Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0)),
        serviceUrl: options.serviceUrl,
        logFile: options.logFile,
        elapsedSeconds: (Date.now() - started) / 1000,
        handlerLines: interactive ? options.handlerLines.map((line) => fitted(line, process.stdout.columns - 2)) : options.handlerLines,
        notes: options.notes,
      });
      if (interactive) logUpdate(screen);
      else process.stdout.write(`${screen}\n\n`);
    } catch {
      // The service is stopping or restarting; the next refresh tells.
    }
    await delay(interactive ? TERMINAL_REFRESH_MS : PIPE_REFRESH_MS, undefined, { signal: options.signal }).catch(() => undefined);
  }
  if (interactive) logUpdate.done();
}

async function main(): Promise<number> {
  let chosenPort: number | undefined;
  try {
    chosenPort = portFromEnv('DEMO_PORT');
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    return 1;
  }
  const run = prepareLocalRun(['redis', 'fauxqs', 'kinesis', 'dynamodb'], say);
  if (!run) return 1;
  const { registry } = run;
  const stopping = new AbortController();
  let stopRequested: StopReason | undefined;
  let stack: TestStack | undefined;
  let service: ManagedProcess | undefined;
  let clients: TestClients | undefined;
  let resolveStop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStop = resolve;
  });
  onStopRequest((reason) => {
    if (stopRequested) {
      if (reason === 'parent-gone') return;
      say(`${reason} again: killing everything now`);
      registry.killAll('SIGKILL');
      process.exit(130);
    }
    stopRequested = reason;
    stopping.abort();
    resolveStop();
    if (SCREEN_IN_PLACE) logUpdate.done();
    say(`${reason === 'parent-gone' ? 'the parent process ended' : `${reason} received`}: stopping the traffic, the service, then the servers`);
    if (!stack) registry.killAll('SIGTERM');
  });
  process.on('exit', () => registry.killAll('SIGKILL'));

  try {
    say(`starting ${run.servers.join(', ')}…`);
    stack = await startTestStack(run.servers, () => ({ registry, detached: true }));
    if (stopRequested) return 0;
    clients = testClients(stack.servers);
    const resources = await createDemoResources(clients, stack.servers.dynamodbEndpoint !== '');
    if (stopRequested) return 0;

    const port = chosenPort ?? (await freePort());
    const serviceUrl = `http://127.0.0.1:${port}`;
    const logFile = join(tmpdir(), `esm-poller-demo-${process.pid}.log`);
    const handlerLines: string[] = [];
    say(`starting the service with ${DEMO_CONFIG}…`);
    service = await startDemoService(stack, run, port, logFile, handlerLines);
    await Promise.race([awaitReady(service, serviceUrl), stopped]);
    if (stopRequested) return 0;
    say(`Lambda API ${serviceUrl}   metrics ${serviceUrl}/metrics   service log ${logFile}`);

    const notes: string[] = [];
    if (resources.ordersStreamArn) {
      const uuid = await createCdcMapping(serviceUrl, resources.ordersStreamArn);
      notes.push(`order-cdc's mapping ${uuid} was created through the Lambda API (CreateEventSourceMapping, @aws-sdk/client-lambda)`);
      notes.push("DynamoDB Local rounds a record's creation time down to the minute (AWS: to the second), so order-cdc's iterator age climbs to 60 s and drops back");
    } else {
      notes.push('DynamoDB Streams is left out: install java to see it');
    }
    for (const note of notes) say(note);

    const traffic = new TrafficGenerator(clients, resources);
    const generating = traffic.run(stopping.signal);
    const showing = showScreen({ clients, resources, serviceUrl, logFile, traffic, handlerLines, notes, signal: stopping.signal });
    const code = await Promise.race([service.exited.then((exitCode) => ({ exitCode })), stopped.then(() => undefined)]);
    stopping.abort();
    await Promise.all([generating, showing]);
    if (code !== undefined && !stopRequested) {
      say(`the service exited by itself with ${code.exitCode === null ? 'a signal' : `code ${code.exitCode}`}; see ${logFile}`);
      return code.exitCode ?? 1;
    }
    return 0;
  } catch (err) {
    if (stopRequested) return 0;
    process.stderr.write(`[demo] ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    stopping.abort();
    if (service) await service.stop(SERVICE_STOP_TIMEOUT_MS);
    clients?.destroy();
    if (stack) await stack.stop(SERVER_STOP_TIMEOUT_MS);
    registry.killAll('SIGKILL');
    registry.remove();
    say('stopped; nothing left running');
  }
}

process.exitCode = await main();
