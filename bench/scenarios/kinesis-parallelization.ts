import { waitFor } from '../../test/harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker } from '../../test/integration/kinesis/kinesis-fixture.js';
import type { BenchScenario, RunFigures, ScenarioContext } from '../scenario.js';

/** Records of the backlog, on one shard. */
const RECORDS = 3_000;
/** Distinct partition keys: enough for every lane to have work. */
const KEYS = 500;
/** Records per PutRecords call (the API maximum). */
const PUT_CHUNK = 500;
const BATCH_SIZE = 10;
/** Time the function spends on every batch, ms. */
const HANDLER_MS = 20;

/**
 * ParallelizationFactor on one shard: a backlog of {@link RECORDS} records drained by a function that spends
 * {@link HANDLER_MS} ms per batch, with factor 1 and 10, in this process (the shard engine with a scripted
 * function, so the figure is the engine's, not the worker pool's). What bounds each run is the function's time:
 * factor × BatchSize records every {@link HANDLER_MS} ms.
 */
async function drain(context: ScenarioContext, fixture: KinesisFixture, factor: number): Promise<{ rate: number; maxInFlight: number }> {
  const stream = await fixture.createStream(1);
  for (let start = 0; start < RECORDS; start += PUT_CHUNK) {
    await fixture.put(stream.arn, Array.from({ length: Math.min(PUT_CHUNK, RECORDS - start) }, (_, i) => ({ data: 'x', key: `key-${(start + i) % KEYS}` })));
  }
  let seen = 0;
  let running = 0;
  let maxInFlight = 0;
  const invoker = new ScriptedInvoker(async (event) => {
    running += 1;
    maxInFlight = Math.max(maxInFlight, running);
    await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
    running -= 1;
    seen += event.Records.length;
    return { kind: 'success' };
  });
  const subject = fixture.poller(fixture.mapping(stream.arn, { BatchSize: BATCH_SIZE, ParallelizationFactor: factor }), invoker);
  const started = performance.now();
  await subject.poller.start();
  await waitFor(() => seen >= RECORDS, { timeoutMs: 300_000, intervalMs: 10, message: `factor ${factor} did not drain the backlog (run ${context.run})` });
  const rate = seen / ((performance.now() - started) / 1000);
  await subject.poller.stop();
  return { rate, maxInFlight };
}

export const scenarios: readonly BenchScenario[] = [
  {
    name: 'kinesis-parallelization',
    title: `Kinesis, 1 shard, ${RECORDS.toLocaleString('en-US')} recs, BatchSize ${BATCH_SIZE}, ${HANDLER_MS} ms per batch: ParallelizationFactor 1 vs 10`,
    servers: ['redis', 'kinesis'],
    metrics: [
      { key: 'rate1', label: 'drain rate, factor 1', unit: 'rec/s', better: 'higher' },
      { key: 'rate10', label: 'drain rate, factor 10', unit: 'rec/s', better: 'higher' },
      { key: 'ratio', label: 'factor 10 ÷ factor 1', unit: '×', better: 'higher' },
      { key: 'maxInFlight10', label: 'most batches of the shard in flight, factor 10', unit: 'batches', better: 'higher' },
    ],
    async run(context: ScenarioContext): Promise<RunFigures> {
      process.env.AWS_ACCESS_KEY_ID ??= 'test';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
      const fixture = new KinesisFixture(context.servers, context.clients.kinesis);
      try {
        const one = await drain(context, fixture, 1);
        const ten = await drain(context, fixture, 10);
        return { 'esm-poller': { rate1: one.rate, rate10: ten.rate, ratio: ten.rate / one.rate, maxInFlight10: ten.maxInFlight } };
      } finally {
        await fixture.close();
      }
    },
  },
];
