import { randomUUID } from 'node:crypto';
import { sleep } from '../../src/runtime/backoff.js';
import type { BenchScenario, RunFigures, ScenarioContext } from '../scenario.js';
import { shardApi } from '../baselines/stream-get-records-loop.js';
import { epochMs } from '../process-sampler.js';
import { ServiceUnderTest } from '../service-under-test.js';
import { evenlySpreadPauses, percentile } from '../statistics.js';
import { createStream, type BenchStream } from '../stream-bench.js';
import { waitFor } from '../../test/harness/wait-for.js';

/** Single records written per measurement, at points spread evenly over the poll cycle. */
const SAMPLES = 15;
/** The longest pause between two writes when the idle interval is 0. */
const MIN_SPACING_MS = 200;
/**
 * Both sides poll this long before the first sample. V8 optimises the read path of a freshly started process only
 * after some hundreds of reads: at the 0 ms interval the service's p50 was 32–40 ms in its first seconds and 19–20 ms
 * after 15 s of polling, while the bare loop runs in the bench process, already warm from the writes before it.
 */
const WARM_UP_MS = 10_000;

/**
 * Write → handler start of {@link SAMPLES} single records on the caught-up shard the service reads, each written after
 * one of {@link SAMPLES} pauses spread evenly over `maxSpacingMs` (so at every point of a poll cycle alike); ms per record.
 */
export async function writeToHandlerStartMs(service: ServiceUnderTest, stream: BenchStream, timing: { maxSpacingMs: number; settleMs: number }): Promise<number[]> {
  const esm: number[] = [];
  // Reading has begun once a first record went through.
  await waitFor(
    async () => {
      await stream.write(1, true);
      return service.invocations().length > 0;
    },
    { timeoutMs: 60_000, intervalMs: 500, message: 'the service never invoked the function' },
  );
  await sleep(timing.settleMs);
  let seen = service.invocations().length;
  for (const pause of evenlySpreadPauses(SAMPLES, timing.maxSpacingMs)) {
    await sleep(pause);
    await stream.write(1, true);
    const invocation = await waitFor(() => service.invocations()[seen], { timeoutMs: 30_000, intervalMs: 5, message: 'record not delivered' });
    seen = service.invocations().length;
    esm.push(invocation.start - invocation.sent![0]!);
  }
  return esm;
}

/**
 * Write → handler start for single records on a caught-up shard (one shard, LATEST), records written at points
 * spread evenly over the poll cycle: the service with `streams.idlePollIntervalMs` = the interval under test beside a bare
 * GetRecords loop that pauses the same interval after an empty read, each sampled after {@link WARM_UP_MS} of polling.
 */
function streamLatency(source: BenchStream['kind'], idleIntervalMs: number): BenchScenario {
  const label = source === 'kinesis' ? 'Kinesis' : 'DynamoDB Streams';
  return {
    name: `${source}-latency-idle${idleIntervalMs}ms`,
    title: `${label} write → handler start, idle poll interval ${idleIntervalMs} ms`,
    servers: ['redis', source],
    metrics: [
      { key: 'p50', label: 'latency p50', unit: 'ms', better: 'lower' },
      { key: 'max', label: `latency max of ${SAMPLES} samples`, unit: 'ms', better: 'lower' },
    ],
    async run({ servers, clients, profileDir }: ScenarioContext): Promise<RunFigures> {
      const maxSpacingMs = Math.max(idleIntervalMs, MIN_SPACING_MS);
      const stream = await createStream(source, clients, 1);
      try {
        const service = await ServiceUnderTest.start({
          servers,
          mappings: [{ UUID: randomUUID(), EventSourceArn: stream.arn, StartingPosition: 'LATEST', BatchSize: 100 }],
          idlePollIntervalMs: idleIntervalMs,
          latency: true,
          ...(profileDir ? { profileDir } : {}),
        });
        let esm: number[];
        try {
          esm = await writeToHandlerStartMs(service, stream, { maxSpacingMs, settleMs: WARM_UP_MS });
        } finally {
          await service.stop();
        }

        const api = shardApi(source, source === 'kinesis' ? servers.kinesisEndpoint : servers.dynamodbEndpoint, stream.arn);
        const [shardId] = await api.shardIds();
        const bare: number[] = [];
        let iterator = await api.iterator(shardId!, 'LATEST');
        let pending = 0;
        const stop = new AbortController();
        const reader = (async () => {
          while (iterator && !stop.signal.aborted) {
            const out = await api.read(iterator, 100);
            const receivedAt = epochMs();
            for (const payload of out.payloads) bare.push(receivedAt - (JSON.parse(Buffer.from(payload).toString()) as { sentAt: number }).sentAt);
            pending -= out.payloads.length;
            iterator = out.next;
            if (out.payloads.length === 0 && idleIntervalMs > 0) await sleep(idleIntervalMs, stop.signal);
          }
        })();
        await sleep(WARM_UP_MS);
        for (const pause of evenlySpreadPauses(SAMPLES, maxSpacingMs)) {
          await sleep(pause);
          pending += 1;
          await stream.write(1, true);
          await waitFor(() => pending <= 0, { timeoutMs: 30_000, intervalMs: 5, message: 'bare loop did not read the record' });
        }
        stop.abort();
        await reader;
        api.destroy();
        return {
          'esm-poller': { p50: percentile(esm, 0.5), max: Math.max(...esm) },
          'bare-loop': { p50: percentile(bare, 0.5), max: Math.max(...bare) },
        };
      } finally {
        await stream.delete();
      }
    },
  };
}

export const scenarios: readonly BenchScenario[] = [
  streamLatency('kinesis', 1_000),
  streamLatency('kinesis', 0),
  streamLatency('dynamodb', 1_000),
];
