import type { JournalEntry } from './journal-entry.js';

/**
 * One journal entry as one readable line for a terminal (`esm-poller journal`):
 * `12:00:01.250 #7 3f2a9c1e shardId-000000000000 attempt 2 · 2 records, 180 B · function_error InjectedFault: … (4 ms) [injected error] → retried (retry 1 of 2 in 830 ms)`
 */
export function formatEntry(entry: JournalEntry): string {
  const where = [entry.time.slice(11, 23), `#${entry.seq}`, entry.UUID.slice(0, 8), entry.FunctionName, entry.shardId].filter(Boolean).join(' ');
  const batch = `${entry.batch.size} record${entry.batch.size === 1 ? '' : 's'}, ${bytes(entry.batch.bytes)}`;
  const detail = entry.error
    ? ` ${entry.error.errorType}: ${truncate(entry.error.errorMessage, 120)}`
    : entry.reason
      ? ` ${entry.reason}`
      : entry.failedItems
        ? ` failed items ${entry.failedItems.join(', ')}`
        : '';
  const fault = entry.injectedFault ? ` [injected ${entry.injectedFault}]` : '';
  const note = entry.itemFailuresNote ? ` (${entry.itemFailuresNote})` : '';
  const next = entry.next ? ` → ${entry.next}${entry.nextDetail ? ` (${entry.nextDetail})` : ''}` : ' → …';
  return `${where} attempt ${entry.attempt} · ${batch} · ${entry.outcome}${detail} (${entry.durationMs} ms)${fault}${note}${next}`;
}

function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return `${(count / 1024 / 1024).toFixed(1)} MiB`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
