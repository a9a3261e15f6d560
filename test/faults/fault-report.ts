import { appendFileSync } from 'node:fs';
import type { LedgerVerdict } from './ledger.js';

/** One line of the reliability table. */
export interface FaultReportRow {
  readonly scenario: string;
  readonly verdict?: LedgerVerdict;
  /** Measured times, e.g. "SIGKILL failover" → seconds of each occurrence. */
  readonly seconds?: Record<string, readonly number[]>;
}

const rows: FaultReportRow[] = [];

export function report(row: FaultReportRow): void {
  rows.push(row);
}

const stats = (values: readonly number[]) =>
  values.length === 0 ? '' : `${Math.max(...values).toFixed(1)} max, ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(1)} mean (${values.length})`;

/** The table of every row reported so far, as Markdown. */
export function reportTable(): string {
  const lines = ['| Scenario | Pushed | Delivered | Duplicated | Lost | Seconds |', '|---|---:|---:|---:|---:|---|'];
  for (const row of rows) {
    const v = row.verdict;
    const seconds = Object.entries(row.seconds ?? {})
      .map(([what, values]) => `${what}: ${stats(values)}`)
      .join('; ');
    lines.push(`| ${row.scenario} | ${v?.pushed ?? ''} | ${v?.delivered ?? ''} | ${v?.duplicated ?? ''} | ${v ? v.lost.length : ''} | ${seconds} |`);
  }
  return lines.join('\n');
}

/** Prints the table, and appends it to `file` when given (ESM_FAULTS_REPORT). */
export function printReport(file: string | undefined): void {
  if (rows.length === 0) return;
  const table = reportTable();
  console.log(`\nReliability (${new Date().toISOString()})\n${table}\n`);
  if (file) appendFileSync(file, `${table}\n`);
}
