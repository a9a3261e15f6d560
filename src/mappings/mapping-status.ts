/**
 * The processing status of one mapping as the management API reports it (`LastProcessingResult`).
 * Pollers write it after each batch; it is shared with the fleet through a sink (the mapping store), written
 * when it changes and refreshed now and then, so the API answers the same on every replica.
 */
export const NO_RECORDS_PROCESSED = 'No records processed';
export const PROCESSING_OK = 'OK';
export const PROBLEM_FUNCTION_CALL_FAILED = 'PROBLEM: Function call failed';
/** A stream record could not be turned into an event (it was given up as an exhausted record). */
export const PROBLEM_EVENT_BUILD_FAILED = 'PROBLEM: Record could not be converted to an event';

/** A source refused the mapping or could not be read: `PROBLEM: <what>`. */
export function sourceProblem(message: string): string {
  return `PROBLEM: ${message}`;
}

const SOURCE_MISSING_ERRORS = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'ResourceNotFoundException']);
const ACCESS_DENIED_ERRORS = new Set(['AccessDenied', 'AccessDeniedException', 'UnrecognizedClientException', 'InvalidClientTokenId', 'KMSAccessDeniedException']);

/** `LastProcessingResult` after the source could not be read, naming the cause (source missing, access denied, …). */
export function readProblem(err: unknown): string {
  const error = err instanceof Error ? err : new Error(String(err));
  if (SOURCE_MISSING_ERRORS.has(error.name)) return `PROBLEM: Source not found: ${error.message}`;
  if (ACCESS_DENIED_ERRORS.has(error.name)) return `PROBLEM: Access denied: ${error.message}`;
  return `PROBLEM: Source read failed: ${error.name}: ${error.message}`;
}

/** How often an unchanged result is written again, so one replica's stale report does not stand for long. */
const REFRESH_MS = 5_000;

export type StatusSink = (result: string) => void;

export class MappingStatus {
  lastProcessingResult: string = NO_RECORDS_PROCESSED;
  private sharedAtMs = 0;

  constructor(
    private readonly sink: StatusSink = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the outcome of the latest batch. */
  record(result: string): void {
    const changed = result !== this.lastProcessingResult;
    this.lastProcessingResult = result;
    if (changed || this.now() - this.sharedAtMs >= REFRESH_MS) {
      this.sharedAtMs = this.now();
      this.sink(result);
    }
  }
}
