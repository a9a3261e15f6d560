import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { testClients } from '../test/harness/aws-clients.js';
import { REPO_ROOT } from '../test/harness/repo-root.js';
import type { ServerName } from '../test/harness/servers.js';
import { startTestStack } from '../test/harness/test-stack.js';
import type { BenchScenario, MetricSpec, RunFigures, Subject } from './scenario.js';
import { summarize, type Summary } from './statistics.js';

/**
 * `npm run bench [-- FILTER… ] [--runs N] [--profile DIR] [--list]`
 *
 * Starts the test servers the chosen scenarios need, runs each scenario N times (default 3), and writes the median
 * and spread of every figure to bench/results.json (a scenario run again replaces its own entry only), then prints
 * the whole results file as the README's Performance table. A FILTER picks the scenario of that name, or those whose name starts with it and a dash.
 */
const RESULTS_FILE = join(REPO_ROOT, 'bench/results.json');
const SCENARIO_DIR = new URL('./scenarios/', import.meta.url);
const DEFAULT_RUNS = 3;
/** The emulators get long to start: on a loaded machine DynamoDB Local may need minutes. */
const SERVER_READY_TIMEOUT_MS = 300_000;
const SUBJECTS: readonly Subject[] = ['bare-loop', 'sqs-consumer', 'esm-poller'];

interface MetricResult extends MetricSpec {
  readonly subjects: Partial<Record<Subject, Summary>>;
}

interface ScenarioResult {
  readonly title: string;
  readonly date: string;
  readonly runs: number;
  readonly metrics: readonly MetricResult[];
}

interface ResultsFile {
  machine: string;
  command: string;
  scenarios: Record<string, ScenarioResult>;
}

async function loadScenarios(): Promise<BenchScenario[]> {
  const files = readdirSync(SCENARIO_DIR).filter((file) => file.endsWith('.js')).sort();
  const scenarios: BenchScenario[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, SCENARIO_DIR).href)) as { scenarios?: readonly BenchScenario[] };
    scenarios.push(...(module.scenarios ?? []));
  }
  return scenarios;
}

/** A filter names a scenario, or a prefix of names ending at a dash: `sqs` and `sqs-drain` pick every SQS drain, `sqs-drain-c1` only that one. */
function matches(name: string, filter: string): boolean {
  return name === filter || name.startsWith(`${filter}-`);
}

function parseArgs(argv: readonly string[]): { filters: string[]; runs: number; profileDir?: string; list: boolean } {
  const filters: string[] = [];
  let runs = DEFAULT_RUNS;
  let profileDir: string | undefined;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--runs') runs = Number(argv[++i]);
    else if (arg === '--profile') profileDir = argv[++i];
    else if (arg === '--list') list = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else filters.push(arg);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
  return { filters, runs, ...(profileDir ? { profileDir } : {}), list };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const all = await loadScenarios();
  const chosen = all.filter((scenario) => args.filters.length === 0 || args.filters.some((filter) => matches(scenario.name, filter)));
  if (args.list || chosen.length === 0) {
    for (const scenario of all) process.stdout.write(`${scenario.name.padEnd(32)} ${scenario.title}\n`);
    if (chosen.length === 0) throw new Error(`no scenario matches ${args.filters.join(', ')}`);
    return;
  }
  const servers = [...new Set(chosen.flatMap((scenario) => scenario.servers)), 'redis'] as ServerName[];
  const stack = await startTestStack([...new Set(servers)], () => ({ readyTimeoutMs: SERVER_READY_TIMEOUT_MS }));
  const clients = testClients(stack.servers);
  const results = readResults();
  try {
    for (const scenario of chosen) {
      const runs: RunFigures[] = [];
      for (let run = 1; run <= args.runs; run++) {
        process.stdout.write(`${scenario.name} run ${run}/${args.runs} … `);
        const started = Date.now();
        const figures = await scenario.run({ servers: stack.servers, clients, run, ...(args.profileDir ? { profileDir: args.profileDir } : {}) });
        process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1)} s ${JSON.stringify(figures)}\n`);
        runs.push(figures);
      }
      results.scenarios[scenario.name] = summarizeRuns(scenario, runs);
      writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    }
  } finally {
    clients.destroy();
    await stack.stop();
  }
  process.stdout.write(`\n${renderTable(results)}\n`);
}

function summarizeRuns(scenario: BenchScenario, runs: readonly RunFigures[]): ScenarioResult {
  return {
    title: scenario.title,
    date: new Date().toISOString().slice(0, 10),
    runs: runs.length,
    metrics: scenario.metrics.map((metric) => {
      const subjects: Partial<Record<Subject, Summary>> = {};
      for (const subject of SUBJECTS) {
        const values = runs.map((run) => run[subject]?.[metric.key]).filter((value): value is number => value !== undefined && Number.isFinite(value));
        if (values.length > 0) subjects[subject] = summarize(values);
      }
      return { ...metric, subjects };
    }),
  };
}

function readResults(): ResultsFile {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  const fresh: ResultsFile = { machine, command: 'npm run bench', scenarios: {} };
  try {
    const stored = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
    return { ...stored, machine };
  } catch {
    return fresh;
  }
}

/** The README's table: one row per figure, median (min–max) of each subject and esm-poller's ratio to the bare loop. */
export function renderTable(results: ResultsFile): string {
  const lines = [
    `Machine: ${results.machine}. Command: \`${results.command}\`. Each cell: median of the runs (min–max).`,
    '',
    '| Scenario | Figure | bare SDK loop | sqs-consumer | esm-poller | esm-poller / loop |',
    '|---|---|--:|--:|--:|--:|',
  ];
  for (const [name, scenario] of Object.entries(results.scenarios)) {
    for (const metric of scenario.metrics) {
      const cell = (subject: Subject): string => {
        const summary = metric.subjects[subject];
        if (!summary) return '—';
        return summary.values.length > 1 ? `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})` : format(summary.median);
      };
      const esm = metric.subjects['esm-poller']?.median;
      const loop = metric.subjects['bare-loop']?.median;
      const ratio = esm !== undefined && loop !== undefined && loop !== 0 ? `${(esm / loop).toFixed(2)}×` : '';
      lines.push(`| ${scenario.title} (\`${name}\`, ${scenario.runs} runs, ${scenario.date}) | ${metric.label}, ${metric.unit} | ${cell('bare-loop')} | ${cell('sqs-consumer')} | ${cell('esm-poller')} | ${ratio} |`);
    }
  }
  return lines.join('\n');
}

function format(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
