import type { InjectedFault } from '../faults/function-faults.js';
import type { InvokeOutcome } from '../functions/invoker.js';
import type { SourceKind } from '../mappings/event-source-mapping.js';

/**
 * How an invocation ended, as the journal reports it. A partial batch response is its own outcome; so is a
 * `batchItemFailures` answer Lambda cannot use (`invalid_response`: the whole batch counts as failed).
 */
export type JournalOutcome = 'success' | 'partial' | 'invalid_response' | 'function_error' | 'timeout' | 'throttle' | 'invoke_error';

/**
 * What the engine did with the batch after the invocation:
 * - `deleted` (SQS, every message), `checkpointed` (streams, every record);
 * - `retried`: the batch (or what failed of it) is invoked again — SQS: the failed messages reappear after their
 *   visibility timeout (the queue's redrive policy decides when they go to its dead-letter queue);
 * - `bisected`: split in halves, each invoked on its own (streams, `BisectBatchOnFunctionError`);
 * - `sent_to_destination`: given up, its failure record queued for `DestinationConfig.OnFailure`;
 * - `dropped`: given up without a destination;
 * - `released`: made visible again at once (SQS: stopping, FIFO order);
 * - `interrupted`: stopped (shutdown, lease lost) before a decision; the records are read again.
 */
export type JournalNext = 'deleted' | 'checkpointed' | 'retried' | 'bisected' | 'sent_to_destination' | 'dropped' | 'released' | 'interrupted';

/** One record of the batch by id (SQS `messageId`, stream sequence number) and the bytes it adds to the event. */
export interface JournalItem {
  readonly id: string;
  readonly bytes: number;
}

/** One invocation of a mapping's function, as `GET /_esm/invocations` shows it. */
export interface JournalEntry {
  /** Increases with every entry of this replica: `after=<seq>` asks for what came since. */
  readonly seq: number;
  /** When the invocation ended (ISO 8601). */
  readonly time: string;
  readonly UUID: string;
  readonly FunctionName: string;
  readonly source: SourceKind;
  readonly shardId?: string;
  readonly requestId: string;
  /**
   * Streams: the invocation number of these records (1 = first; each half of a bisected batch counts anew, as
   * `approximateInvokeCount`). SQS: the highest `ApproximateReceiveCount` in the batch.
   */
  readonly attempt: number;
  readonly batch: {
    readonly size: number;
    /** Bytes of the event sent. */
    readonly bytes: number;
    readonly items: readonly JournalItem[];
    /** The event's records (with `journal.records: full` when the entry fits the journal's byte limit). */
    readonly records?: readonly unknown[];
  };
  readonly outcome: JournalOutcome;
  readonly durationMs: number;
  /** The function's answer (its result, or the error object), up to the journal's response limit. */
  readonly response?: string;
  readonly responseBytes: number;
  readonly error?: { readonly errorType: string; readonly errorMessage: string };
  /** Throttle reason, or why an invocation never reached the function. */
  readonly reason?: string;
  /** Partial batch response: the ids the function reported as failed. */
  readonly failedItems?: readonly string[];
  /**
   * A `batchItemFailures` answer Lambda does not act on as sent, and why (ignored without ReportBatchItemFailures;
   * an identifier that is not in the batch makes the whole batch fail).
   */
  readonly itemFailuresNote?: string;
  readonly injectedFault?: InjectedFault;
  /** Undefined until the engine decided (a few milliseconds after the invocation). */
  next?: JournalNext;
  nextDetail?: string;
}

/** What a poller reports of one invocation (the journal adds seq, time and the bounded copies). */
export interface InvocationReport {
  readonly shardId?: string;
  readonly attempt: number;
  /** The event as sent (JSON text `{"Records":[…]}`). */
  readonly payload: string;
  /** The records by id and size; only called when the journal keeps entries. */
  readonly items: () => readonly JournalItem[];
  readonly outcome: InvokeOutcome;
  /** Partial-response reading of the poller: the failed ids of a valid partial batch response. */
  readonly failedItems?: readonly string[];
  /** Why the poller could not use the partial batch response (the whole batch failed). */
  readonly invalidItemFailures?: string;
}

/** Lets the poller say what it did next; later calls replace the first (e.g. a discard after a decision). */
export interface JournalHandle {
  next(action: JournalNext, detail?: string): void;
}

/** The journal as a poller of one mapping sees it. */
export interface MappingJournal {
  record(report: InvocationReport): JournalHandle;
}

/** A journal that keeps nothing (`journal.size: 0`). */
export const NO_JOURNAL: MappingJournal = { record: () => NO_HANDLE };
const NO_HANDLE: JournalHandle = { next: () => undefined };

/** The journal's outcome name for an invoke outcome (before partial responses are read). */
export function journalOutcomeOf(outcome: InvokeOutcome): JournalOutcome {
  switch (outcome.kind) {
    case 'success':
      return 'success';
    case 'function_error':
      return 'function_error';
    case 'timed_out':
      return 'timeout';
    case 'throttled':
      return 'throttle';
    case 'invoke_error':
      return 'invoke_error';
  }
}
