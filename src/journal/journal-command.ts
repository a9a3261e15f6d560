import { setTimeout as delay } from 'node:timers/promises';
import type { JournalEntry } from './journal-entry.js';
import { formatEntry } from './format-entry.js';

/** Pause between two reads of the journal while following. */
export const FOLLOW_INTERVAL_MS = 500;
/** An entry still waiting for the engine's decision after this long is printed anyway (with `→ …`). */
const PENDING_PRINT_AFTER_MS = 10_000;

export interface JournalCommandOptions {
  readonly endpoint: string;
  readonly uuid?: string;
  readonly limit: number;
  readonly follow: boolean;
  /** Stops following. */
  readonly signal: AbortSignal;
  readonly write: (line: string) => void;
}

/**
 * `esm-poller journal`: prints the last invocations of a running service, one line each; with `follow`, keeps
 * printing new ones as they come (an entry is printed once the engine decided what to do next).
 */
export async function runJournalCommand(options: JournalCommandOptions): Promise<void> {
  let cursor: number | undefined;
  let first = true;
  while (!options.signal.aborted) {
    const entries = await fetchEntries(options, cursor, first ? options.limit : 1_000);
    for (const entry of entries) {
      const pending = entry.next === undefined && Date.now() - Date.parse(entry.time) < PENDING_PRINT_AFTER_MS;
      // While following, an undecided entry and everything after it wait for the next read.
      if (pending && options.follow) {
        cursor ??= entry.seq - 1;
        break;
      }
      options.write(formatEntry(entry));
      cursor = entry.seq;
    }
    if (!options.follow) return;
    if (first && cursor === undefined && entries.length === 0) cursor = 0;
    first = false;
    try {
      await delay(FOLLOW_INTERVAL_MS, undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}

async function fetchEntries(options: JournalCommandOptions, after: number | undefined, limit: number): Promise<JournalEntry[]> {
  const url = new URL('/_esm/invocations', options.endpoint);
  if (options.uuid) url.searchParams.set('UUID', options.uuid);
  if (after !== undefined) url.searchParams.set('after', String(after));
  url.searchParams.set('limit', String(limit));
  const response = await fetch(url, { signal: options.signal });
  const body = (await response.json()) as { Invocations?: JournalEntry[]; message?: string; Message?: string };
  if (!response.ok) throw new Error(`GET ${url.pathname}: HTTP ${response.status}: ${body.message ?? body.Message ?? ''}`);
  return body.Invocations ?? [];
}
