import type { TestClients } from '../test/harness/aws-clients.js';
import type { ServerName, TestServers } from '../test/harness/servers.js';

/**
 * One benchmark scenario. A file under `bench/scenarios/` exports `scenarios: BenchScenario[]`; `npm run bench`
 * finds every such file, so adding a scenario is adding one file.
 *
 * A run measures esm-poller (the built CLI in its own process) and, in the same run against the same emulator,
 * the baselines that bound it (the bare SDK loop, `sqs-consumer` for SQS). `npm run bench` repeats each scenario
 * and reports the median of every figure with its spread.
 */
export interface BenchScenario {
  /** Unique, kebab-case; `npm run bench -- <filter>` runs the scenarios whose name contains a filter. */
  readonly name: string;
  /** One line for the README table, e.g. "SQS drain, 10,000 msgs, concurrency 4, BatchSize 10". */
  readonly title: string;
  /** The test servers it needs. */
  readonly servers: readonly ServerName[];
  /** The figures each run returns, in the order they are reported. */
  readonly metrics: readonly MetricSpec[];
  run(context: ScenarioContext): Promise<RunFigures>;
}

/** Who was measured: esm-poller, or a baseline beside it. */
export type Subject = 'esm-poller' | 'bare-loop' | 'sqs-consumer';

export interface MetricSpec {
  /** Key in {@link RunFigures}, e.g. `rate`. */
  readonly key: string;
  readonly label: string;
  /** Unit with its scale, e.g. `msg/s`, `CPU-s per 10,000`, `MiB`, `ms`. */
  readonly unit: string;
  readonly better: 'higher' | 'lower';
}

/** One run's figures: subject → metric key → value. A subject leaves out what does not apply to it. */
export type RunFigures = Partial<Record<Subject, Record<string, number>>>;

export interface ScenarioContext {
  readonly servers: TestServers;
  readonly clients: TestClients;
  /** 1-based number of this run. */
  readonly run: number;
  /** Set by `--profile DIR`: esm-poller runs with `--cpu-prof` and writes its profiles there. */
  readonly profileDir?: string;
}
