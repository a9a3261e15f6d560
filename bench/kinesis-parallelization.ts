import { testClients } from '../test/harness/aws-clients.js';
import type { TestServers } from '../test/harness/servers.js';
import { waitFor } from '../test/harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker } from '../test/integration/kinesis/kinesis-fixture.js';
import type { BenchResult, BenchScenario } from './scenario.js';

/** Records of the backlog, on one shard. */
const RECORDS = 3_000;
/** Distinct partition keys: enough for every lane to have work. */
const KEYS = 500;
/** Records per PutRecords call (the API maximum). */
const PUT_CHUNK = 500;
const BATCH_SIZE = 10;
/** Time the function spends on every batch, ms. */
const HANDLER_MS = 20;
const FACTORS = [1, 10] as const;

/**
 * ParallelizationFactor on one shard: a backlog of {@link RECORDS} records drained by a function that spends
 * {@link HANDLER_MS} ms per batch, with factor 1 and 10. The ceiling of each run is what the function's time allows
 * (factor × BatchSize records every {@link HANDLER_MS} ms); the ratio of the two rates is printed under the second.
 */
export const kinesisParallelizationScenario: BenchScenario = {
  name: 'kinesis-parallelization',
  async run(servers: TestServers): Promise<BenchResult[]> {
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const clients = testClients(servers);
    const fixture = new KinesisFixture(servers, clients.kinesis);
    try {
      const rates: number[] = [];
      const results: BenchResult[] = [];
      for (const factor of FACTORS) {
        const stream = await fixture.createStream(1);
        for (let start = 0; start < RECORDS; start += PUT_CHUNK) {
          await fixture.put(stream.arn, Array.from({ length: Math.min(PUT_CHUNK, RECORDS - start) }, (_, i) => ({ data: 'x', key: `key-${(start + i) % KEYS}` })));
        }
        let seen = 0;
        let running = 0;
        let maxRunning = 0;
        const invoker = new ScriptedInvoker(async (event) => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
          running -= 1;
          seen += event.Records.length;
          return { kind: 'success' };
        });
        const subject = fixture.poller(fixture.mapping(stream.arn, { BatchSize: BATCH_SIZE, ParallelizationFactor: factor }), invoker);
        const started = performance.now();
        await subject.poller.start();
        await waitFor(() => seen >= RECORDS, { timeoutMs: 300_000, intervalMs: 10, message: `factor ${factor} did not drain the backlog` });
        const rate = seen / ((performance.now() - started) / 1000);
        await subject.poller.stop();
        rates.push(rate);
        results.push({
          label: `Kinesis records/s, 1 shard, ParallelizationFactor ${factor}, BatchSize ${BATCH_SIZE}, ${HANDLER_MS} ms per batch (ceiling: the function's time)`,
          unit: 'records/s',
          value: rate,
          ceiling: (factor * BATCH_SIZE * 1000) / HANDLER_MS,
          details: {
            'most batches of the shard in flight at once': maxRunning,
            ...(rates.length === FACTORS.length ? { [`factor ${FACTORS[1]} ÷ factor ${FACTORS[0]} (records/s)`]: rates[1]! / rates[0]! } : {}),
          },
        });
      }
      return results;
    } finally {
      await fixture.close();
      clients.destroy();
    }
  },
};
