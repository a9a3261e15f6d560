import { startTestStack, selectServers } from '../test/harness/test-stack.js';
import type { BenchResult, BenchScenario } from './scenario.js';
import { sqsThroughputScenario } from './sqs-throughput.js';
import { kinesisThroughputScenario } from './kinesis-throughput.js';
import { kinesisParallelizationScenario } from './kinesis-parallelization.js';

/**
 * `npm run bench`: starts the same real servers the tests use, runs every scenario, and prints each figure
 * beside the ceiling of the bare SDK loop measured against the same emulator in the same run.
 * `BENCH_SCENARIOS=sqs-throughput` runs only the named scenarios.
 */
const SCENARIOS: readonly BenchScenario[] = [sqsThroughputScenario, kinesisThroughputScenario, kinesisParallelizationScenario];

async function main(): Promise<void> {
  const wanted = process.env.BENCH_SCENARIOS?.split(',').map((name) => name.trim());
  const scenarios = SCENARIOS.filter((scenario) => !wanted || wanted.includes(scenario.name));
  const stack = await startTestStack(selectServers(process.env.ESM_TEST_SERVERS));
  const rows: { scenario: string; result: BenchResult }[] = [];
  try {
    for (const scenario of scenarios) {
      process.stdout.write(`running ${scenario.name} …\n`);
      const memory = sampleMemory();
      const results = await scenario.run(stack.servers);
      const peakRssMb = memory.stop();
      // Pollers run inside this process, so its peak resident memory bounds what they need.
      results.forEach((result, index) =>
        rows.push({ scenario: scenario.name, result: index === 0 ? { ...result, details: { ...result.details, 'peak RSS of the bench process (MB)': peakRssMb } } : result }),
      );
    }
  } finally {
    await stack.stop();
  }
  printTable(rows);
}

/** Samples resident memory every 100 ms until stopped; returns the peak in MB. */
function sampleMemory(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1_048_576);
    },
  };
}

function printTable(rows: readonly { scenario: string; result: BenchResult }[]): void {
  const header = ['scenario', 'measure', 'esm-poller', 'ceiling (bare SDK)', 'share of ceiling'];
  const lines = rows.map(({ scenario, result }) => [
    scenario,
    result.label,
    `${format(result.value)} ${result.unit}`,
    `${format(result.ceiling)} ${result.unit}`,
    shareOfCeiling(result),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const render = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ');
  process.stdout.write(`\n${render(header)}\n${widths.map((width) => '-'.repeat(width)).join('-|-')}\n`);
  rows.forEach(({ result }, index) => {
    process.stdout.write(`${render(lines[index]!)}\n`);
    for (const [key, value] of Object.entries(result.details ?? {})) process.stdout.write(`    ${key}: ${typeof value === 'number' ? format(value) : value}\n`);
  });
}

function shareOfCeiling(result: BenchResult): string {
  if (result.ceiling <= 0) return '-';
  if (result.lowerIsBetter) return `${(result.value / result.ceiling).toFixed(1)}× the ceiling`;
  return `${Math.round((result.value / result.ceiling) * 100)} %`;
}

function format(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
