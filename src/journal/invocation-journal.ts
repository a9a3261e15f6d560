import type { EventSourceMapping } from '../mappings/event-source-mapping.js';
import { reportsBatchItemFailures } from '../mappings/event-source-mapping.js';
import { hasItemFailures, IGNORED_WITHOUT_REPORT_BATCH_ITEM_FAILURES, invalidItemFailuresNote } from './item-failures-note.js';
import {
  journalOutcomeOf,
  NO_JOURNAL,
  type InvocationReport,
  type JournalEntry,
  type JournalHandle,
  type JournalNext,
  type MappingJournal,
} from './journal-entry.js';

/** What the journal keeps. */
export interface JournalSettings {
  /** Entries kept per mapping (the oldest go first); 0 turns the journal off. */
  readonly size: number;
  /** Bytes kept per mapping (events and responses); past it the oldest entries go. */
  readonly maxBytes: number;
  /** `full`: the event's records; `ids`: only their ids and sizes. */
  readonly records: 'full' | 'ids';
}

export const DEFAULT_JOURNAL_SIZE = 100;
export const DEFAULT_JOURNAL_MAX_BYTES = 1_048_576;
export const JOURNAL_RECORD_MODES = ['full', 'ids'] as const;
/** The function's answer is kept up to this many bytes (the rest is cut, `responseBytes` tells the size). */
export const JOURNAL_RESPONSE_BYTES = 4_096;
/** Rough bytes of an entry besides its event and response (fields, ids). */
const ENTRY_OVERHEAD_BYTES = 400;
const ITEM_OVERHEAD_BYTES = 48;

interface Kept {
  readonly entry: JournalEntry;
  /** The event text, when its records are kept (parsed only when read). */
  readonly payload?: string;
  readonly bytes: number;
}

/** The entries of one mapping, oldest first, within the count and byte limits. */
class MappingEntries {
  readonly kept: Kept[] = [];
  bytes = 0;

  add(item: Kept, settings: JournalSettings): void {
    this.kept.push(item);
    this.bytes += item.bytes;
    while (this.kept.length > settings.size || (this.bytes > settings.maxBytes && this.kept.length > 1)) {
      this.bytes -= this.kept.shift()!.bytes;
    }
  }
}

/**
 * The invocation journal: the last invocations of each mapping on this replica, bounded in count and bytes, kept in
 * memory (a replica shows the invocations it made). Pollers record each invocation and then what they did with the
 * batch; `GET /_esm/invocations` and `esm-poller journal` read it.
 */
export class InvocationJournal {
  private readonly mappings = new Map<string, MappingEntries>();
  private seq = 0;

  constructor(
    readonly settings: JournalSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The journal a mapping's pollers write to. */
  forMapping(mapping: EventSourceMapping): MappingJournal {
    if (this.settings.size === 0) return NO_JOURNAL;
    const reports = reportsBatchItemFailures(mapping);
    return { record: (report) => this.record(mapping, reports, report) };
  }

  /** Forgets a deleted mapping's entries. */
  forget(uuid: string): void {
    this.mappings.delete(uuid);
  }

  /**
   * Entries oldest first: of one mapping or all, only those after `after` (a `seq`), at most the last `limit`.
   */
  list(query: { readonly uuid?: string; readonly after?: number; readonly limit: number }): JournalEntry[] {
    const sources = query.uuid !== undefined ? [this.mappings.get(query.uuid)] : [...this.mappings.values()];
    const kept = sources.flatMap((entries) => entries?.kept ?? []).filter((item) => query.after === undefined || item.entry.seq > query.after);
    kept.sort((a, b) => a.entry.seq - b.entry.seq);
    return kept.slice(Math.max(0, kept.length - query.limit)).map(withRecords);
  }

  private record(mapping: EventSourceMapping, reportsItemFailures: boolean, report: InvocationReport): JournalHandle {
    const { outcome } = report;
    const items = report.items();
    const response = 'payload' in outcome ? outcome.payload : undefined;
    const responseBytes = response === undefined ? 0 : Buffer.byteLength(response);
    const keptResponse = response === undefined ? undefined : responseBytes > JOURNAL_RESPONSE_BYTES ? Buffer.from(response).subarray(0, JOURNAL_RESPONSE_BYTES).toString() : response;
    const payloadBytes = Buffer.byteLength(report.payload);
    const baseBytes = ENTRY_OVERHEAD_BYTES + items.length * ITEM_OVERHEAD_BYTES + (keptResponse?.length ?? 0);
    // Records are kept only when the entry still fits the mapping's byte limit with them.
    const keepRecords = this.settings.records === 'full' && baseBytes + payloadBytes <= this.settings.maxBytes;
    let itemFailuresNote = report.invalidItemFailures !== undefined ? invalidItemFailuresNote(report.invalidItemFailures) : undefined;
    if (itemFailuresNote === undefined && outcome.kind === 'success' && !reportsItemFailures && hasItemFailures(outcome.payload)) {
      itemFailuresNote = IGNORED_WITHOUT_REPORT_BATCH_ITEM_FAILURES;
    }
    const entry: JournalEntry = {
      seq: ++this.seq,
      time: new Date(this.now()).toISOString(),
      UUID: mapping.UUID,
      FunctionName: mapping.FunctionName,
      source: mapping.sourceKind,
      ...(report.shardId !== undefined ? { shardId: report.shardId } : {}),
      requestId: outcome.requestId,
      attempt: report.attempt,
      batch: { size: items.length, bytes: payloadBytes, items },
      outcome: report.invalidItemFailures !== undefined ? 'invalid_response' : report.failedItems && report.failedItems.length > 0 ? 'partial' : journalOutcomeOf(outcome),
      durationMs: outcome.durationMs,
      ...(keptResponse !== undefined ? { response: keptResponse } : {}),
      responseBytes,
      ...(outcome.kind === 'function_error' || outcome.kind === 'timed_out' ? { error: { errorType: outcome.errorType, errorMessage: outcome.errorMessage } } : {}),
      ...(outcome.kind === 'throttled' ? { reason: outcome.reason } : {}),
      ...(outcome.kind === 'invoke_error' ? { reason: `${outcome.error.name}: ${outcome.error.message}` } : {}),
      ...(report.failedItems && report.failedItems.length > 0 ? { failedItems: report.failedItems } : {}),
      ...(itemFailuresNote !== undefined ? { itemFailuresNote } : {}),
      ...(outcome.injectedFault !== undefined ? { injectedFault: outcome.injectedFault } : {}),
    };
    let entries = this.mappings.get(mapping.UUID);
    if (!entries) this.mappings.set(mapping.UUID, (entries = new MappingEntries()));
    entries.add({ entry, ...(keepRecords ? { payload: report.payload } : {}), bytes: baseBytes + (keepRecords ? payloadBytes : 0) }, this.settings);
    return {
      next(action: JournalNext, detail?: string) {
        entry.next = action;
        if (detail !== undefined) entry.nextDetail = detail;
        else delete entry.nextDetail;
      },
    };
  }
}

function withRecords(item: Kept): JournalEntry {
  if (item.payload === undefined) return item.entry;
  let records: unknown[] | undefined;
  try {
    const event = JSON.parse(item.payload) as { Records?: unknown };
    records = Array.isArray(event.Records) ? event.Records : undefined;
  } catch {
    records = undefined;
  }
  return records ? { ...item.entry, batch: { ...item.entry.batch, records } } : item.entry;
}
