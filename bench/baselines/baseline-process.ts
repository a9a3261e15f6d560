import { join } from 'node:path';
import { resourceUsage } from 'node:process';
import { pathToFileURL } from 'node:url';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { emulatorClientConfig } from '../../test/harness/aws-clients.js';
import { ManagedProcess } from '../../test/harness/managed-process.js';
import { REPO_ROOT } from '../../test/harness/repo-root.js';
import { ownCpuSeconds } from '../process-sampler.js';
import { drainWithBareLoop } from './sqs-bare-loop.js';
import { drainWithSqsConsumer } from './sqs-consumer-loop.js';
import { drainWithGetRecords, firstReadsWithGetRecords, idleWithGetRecords, shardApi } from './stream-get-records-loop.js';

/**
 * A baseline runs in a fresh process of its own, like the service: its JIT starts as cold as the service's, and
 * its CPU and memory are its own. Before its clock starts it makes one call to the emulator, as the service makes
 * its own calls before it is ready.
 */
export type BaselineRequest =
  | { readonly kind: 'sqs-bare-loop' | 'sqs-consumer'; readonly endpoint: string; readonly queueUrl: string; readonly messages: number; readonly concurrency: number }
  | { readonly kind: 'stream-get-records'; readonly source: 'kinesis' | 'dynamodb'; readonly endpoint: string; readonly streamArn: string; readonly records: number; readonly limit: number }
  | { readonly kind: 'stream-idle'; readonly source: 'kinesis' | 'dynamodb'; readonly endpoint: string; readonly streamArn: string; readonly seconds: number; readonly warmUpSeconds: number; readonly intervalMs: number }
  | { readonly kind: 'stream-first-reads'; readonly source: 'kinesis' | 'dynamodb'; readonly endpoint: string; readonly streamArn: string; readonly limit: number };

export interface BaselineResult {
  /** From the start of the measured work to its end. */
  readonly seconds: number;
  /** CPU seconds of the baseline's process meanwhile. */
  readonly cpuSeconds: number;
  /** Peak resident memory of the baseline's process, MiB. */
  readonly peakRssMb: number;
  /** Streams: the last sequence number read from each shard. */
  readonly lastSequenceByShard?: Record<string, string>;
  /** `stream-first-reads`: from the first call until the first shard, and until every shard, returned records, ms. */
  readonly firstMs?: number;
  readonly allShardsMs?: number;
}

/**
 * Runs `request` in a child process and returns what it measured. With `profileDir` (`--profile`) the child writes its
 * CPU profile under `<profileDir>/<kind>/`, to be read beside the service's.
 */
export async function runBaseline(request: BaselineRequest, profileDir?: string): Promise<BaselineResult> {
  let last = '';
  const child = await ManagedProcess.start({
    name: `baseline-${request.kind}`,
    command: process.execPath,
    args: [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, request.kind)}`] : []), new URL(import.meta.url).pathname, JSON.stringify(request)],
    cwd: REPO_ROOT,
    onStdoutLine: (line) => {
      last = line;
    },
  });
  const code = await child.exited;
  if (code !== 0) throw new Error(child.describe(`baseline ${request.kind} failed`));
  return JSON.parse(last) as BaselineResult;
}

async function measure(request: BaselineRequest): Promise<BaselineResult> {
  if (request.kind === 'stream-get-records') {
    const api = shardApi(request.source, request.endpoint, request.streamArn);
    await api.shardIds();
    const drain = await drainWithGetRecords(api, request);
    api.destroy();
    return { ...drain, peakRssMb: resourceUsage().maxRSS / 1024 };
  }
  if (request.kind === 'stream-first-reads') {
    const api = shardApi(request.source, request.endpoint, request.streamArn);
    const cpuBefore = ownCpuSeconds();
    const reads = await firstReadsWithGetRecords(api, request);
    api.destroy();
    return { ...reads, seconds: reads.allShardsMs / 1000, cpuSeconds: ownCpuSeconds() - cpuBefore, peakRssMb: resourceUsage().maxRSS / 1024 };
  }
  if (request.kind === 'stream-idle') {
    const api = shardApi(request.source, request.endpoint, request.streamArn);
    const rest = await idleWithGetRecords(api, request);
    api.destroy();
    return { ...rest, peakRssMb: resourceUsage().maxRSS / 1024 };
  }
  const sqs = new SQSClient(emulatorClientConfig(request.endpoint));
  await sqs.send(new GetQueueAttributesCommand({ QueueUrl: request.queueUrl, AttributeNames: ['All'] }));
  const options = { messages: request.messages, concurrency: request.concurrency };
  const drain = request.kind === 'sqs-bare-loop' ? await drainWithBareLoop(sqs, request.queueUrl, { ...options, waitTimeSeconds: 1 }) : await drainWithSqsConsumer(sqs, request.queueUrl, options);
  sqs.destroy();
  return { ...drain, peakRssMb: resourceUsage().maxRSS / 1024 };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measure(JSON.parse(process.argv[2]!) as BaselineRequest);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
