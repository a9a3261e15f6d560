import { maxOf, sumOf, type MetricSample } from './prometheus-text.js';

/** The event sources of the demo, one mapping each. */
export const DEMO_SOURCES = ['sqs', 'kinesis', 'dynamodb'] as const;
export type DemoSource = (typeof DEMO_SOURCES)[number];

/** What the demo shows for one mapping. */
export interface MappingRow {
  readonly source: DemoSource;
  readonly functionName: string;
  /** Records the traffic generator wrote to the source. */
  readonly produced: number;
  readonly polled: number;
  /** Removed by FilterCriteria before any invocation. */
  readonly filtered: number;
  /** Events the function processed without failing (retries count again). */
  readonly delivered: number;
  /** Events whose invocation failed or that the function reported in batchItemFailures. */
  readonly failed: number;
  /** Records sent to the on-failure destination; for SQS, messages the queue's redrive moved to its DLQ. */
  readonly sentToDestinations: number;
  /** The oldest shard's iterator age, seconds; streams only. */
  readonly iteratorAgeSeconds: number | undefined;
}

export interface MappingOfSource {
  readonly source: DemoSource;
  readonly functionName: string;
}

/** One row per mapping from a `/metrics` snapshot, the traffic generator's counts and the SQS DLQ depth. */
export function mappingRows(
  mappings: readonly MappingOfSource[],
  samples: readonly MetricSample[],
  produced: Readonly<Record<DemoSource, number>>,
  sqsDeadLetters: number,
): MappingRow[] {
  return mappings.map(({ source, functionName }) => {
    const where = { source, function: functionName };
    const invoked = sumOf(samples, 'esm_invoked_events_total', where);
    const failed = sumOf(samples, 'esm_failed_invoke_events_total', where);
    return {
      source,
      functionName,
      produced: produced[source],
      polled: sumOf(samples, 'esm_polled_events_total', where),
      filtered: sumOf(samples, 'esm_filtered_out_events_total', where),
      delivered: Math.max(0, invoked - failed),
      failed,
      sentToDestinations: source === 'sqs' ? sqsDeadLetters : sumOf(samples, 'esm_on_failure_destination_delivered_events_total', where),
      iteratorAgeSeconds: source === 'sqs' ? undefined : maxOf(samples, 'esm_iterator_age_seconds', where),
    };
  });
}

/** Everything the demo's screen shows. */
export interface DemoScreen {
  readonly rows: readonly MappingRow[];
  readonly serviceUrl: string;
  readonly logFile: string;
  readonly elapsedSeconds: number;
  /** The latest lines the handlers printed, oldest first. */
  readonly handlerLines: readonly string[];
  readonly notes: readonly string[];
}

const COLUMNS = ['mapping', 'source', 'produced', 'polled', 'filtered', 'delivered', 'failed', 'to DLQ/dest.', 'iterator age'] as const;

/** The screen as text: a table of the mappings, then where things are, then what the handlers printed. */
export function renderScreen(screen: DemoScreen): string {
  const cells = screen.rows.map((row) => [
    row.functionName,
    row.source,
    String(row.produced),
    String(row.polled),
    String(row.filtered),
    String(row.delivered),
    String(row.failed),
    String(row.sentToDestinations),
    row.iteratorAgeSeconds === undefined ? '-' : `${row.iteratorAgeSeconds.toFixed(1)} s`,
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]!.length)));
  const format = (line: readonly string[]): string => line.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [
    `esm-poller demo — ${Math.round(screen.elapsedSeconds)} s — Ctrl-C stops everything`,
    '',
    format(COLUMNS),
    ...cells.map(format),
    '',
    `Lambda API  ${screen.serviceUrl}   (e.g. aws --endpoint-url ${screen.serviceUrl} lambda list-event-source-mappings)`,
    `metrics     ${screen.serviceUrl}/metrics   health ${screen.serviceUrl}/readyz`,
    `service log ${screen.logFile}`,
    ...screen.notes,
    '',
    'what the handlers print (function_log):',
    ...screen.handlerLines.map((line) => `  ${line}`),
  ].join('\n');
}
