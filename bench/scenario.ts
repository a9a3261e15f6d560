import type { TestServers } from '../test/harness/servers.js';

/**
 * One benchmark scenario: it measures esm-poller and, in the same run against the same emulator, the bare SDK
 * loop that bounds it (the ceiling), so every figure is read beside what the machine can do at all.
 */
export interface BenchResult {
  /** What was measured, e.g. "SQS messages/s, no-op module handler". */
  readonly label: string;
  readonly unit: string;
  /** esm-poller's figure. */
  readonly value: number;
  /** The bare SDK loop's figure in the same run (same unit). */
  readonly ceiling: number;
  /** Latencies and the like: smaller is better, and the share column reads as a multiple of the ceiling. */
  readonly lowerIsBetter?: boolean;
  /** Extra figures (latency percentiles, memory), printed under the row. */
  readonly details?: Readonly<Record<string, string | number>>;
}

export interface BenchScenario {
  readonly name: string;
  run(servers: TestServers): Promise<BenchResult[]>;
}
