import { randomUUID } from 'node:crypto';
import type { BenchScenario, RunFigures, ScenarioContext } from '../scenario.js';
import { ServiceUnderTest, type RecordedInvocation } from '../service-under-test.js';
import { createKinesisStream } from '../stream-bench.js';

/** Records of the backlog, on one shard (random partition keys: every lane has work). */
const RECORDS = 3_000;
const BATCH_SIZE = 10;
/** Time the function spends on every batch, ms. */
const HANDLER_MS = 20;

/** The most invocations that overlapped in time. */
function mostInFlight(invocations: readonly RecordedInvocation[]): number {
  const edges = invocations.flatMap((invocation) => [
    { at: invocation.start, step: 1 },
    { at: invocation.end, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let running = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (running += edge.step));
  return most;
}

/**
 * ParallelizationFactor on one shard: a backlog of {@link RECORDS} records drained from `/readyz` by the service
 * (the built CLI in its own process) with a function that spends {@link HANDLER_MS} ms per batch, at factor 1 and
 * 10. What bounds each run is the function's time: factor × BatchSize records every {@link HANDLER_MS} ms, plus the
 * start of the environments that factor 10 needs.
 */
async function drain({ servers, clients, profileDir }: ScenarioContext, factor: number): Promise<{ rate: number; inFlight: number }> {
  const stream = await createKinesisStream(clients.kinesis, 1);
  try {
    await stream.write(RECORDS);
    const service = await ServiceUnderTest.start({
      servers,
      mappings: [{ UUID: randomUUID(), EventSourceArn: stream.arn, StartingPosition: 'TRIM_HORIZON', BatchSize: BATCH_SIZE, ParallelizationFactor: factor }],
      handlerDelayMs: HANDLER_MS,
      ...(profileDir ? { profileDir } : {}),
    });
    try {
      const invocations = await service.awaitRecords(RECORDS);
      const lastEnd = Math.max(...invocations.map((invocation) => invocation.end));
      return { rate: RECORDS / ((lastEnd - service.readyAt) / 1000), inFlight: mostInFlight(invocations) };
    } finally {
      await service.stop();
    }
  } finally {
    await stream.delete();
  }
}

export const scenarios: readonly BenchScenario[] = [
  {
    name: 'kinesis-parallelization',
    title: `Kinesis, 1 shard, ${RECORDS.toLocaleString('en-US')} recs, BatchSize ${BATCH_SIZE}, ${HANDLER_MS} ms per batch: ParallelizationFactor 1 vs 10`,
    servers: ['redis', 'kinesis'],
    metrics: [
      { key: 'rate1', label: 'drain rate from process ready, factor 1', unit: 'rec/s', better: 'higher' },
      { key: 'rate10', label: 'drain rate from process ready, factor 10', unit: 'rec/s', better: 'higher' },
      { key: 'ratio', label: 'factor 10 ÷ factor 1', unit: '×', better: 'higher' },
      { key: 'inFlight10', label: 'most batches of the shard in flight, factor 10', unit: 'batches', better: 'higher' },
    ],
    async run(context: ScenarioContext): Promise<RunFigures> {
      const one = await drain(context, 1);
      const ten = await drain(context, 10);
      return { 'esm-poller': { rate1: one.rate, rate10: ten.rate, ratio: ten.rate / one.rate, inFlight10: ten.inFlight } };
    },
  },
];
