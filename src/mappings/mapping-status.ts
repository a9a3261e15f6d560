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

/** Shares a mapping's status with the fleet: its `LastProcessingResult`, and the source problem standing now (if any). */
export type StatusSink = (result: string, sourceProblem: string | undefined) => void;

export class MappingStatus {
  lastProcessingResult: string = NO_RECORDS_PROCESSED;
  /**
   * Why the source cannot be read now (`PROBLEM: …`), until it is read again. The API reports it as the mapping's
   * `StateTransitionReason`: for SQS, which has no `LastProcessingResult`, it is the only place a user sees it.
   */
  sourceProblem: string | undefined;
  private sharedAtMs = 0;

  constructor(
    private readonly sink: StatusSink = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the outcome of the latest batch. */
  record(result: string): void {
    this.update(result, this.sourceProblem);
  }

  /** The source could not be read (or refused the mapping): `problem` stands until {@link sourceRead}. */
  sourceFailed(problem: string): void {
    this.update(problem, problem);
  }

  /** The source was read: a problem reading it no longer stands. Cheap when none did. */
  sourceRead(): void {
    if (this.sourceProblem !== undefined) this.update(this.lastProcessingResult, undefined);
  }

  private update(result: string, sourceProblem: string | undefined): void {
    const changed = result !== this.lastProcessingResult || sourceProblem !== this.sourceProblem;
    this.lastProcessingResult = result;
    this.sourceProblem = sourceProblem;
    if (changed || this.now() - this.sharedAtMs >= REFRESH_MS) {
      this.sharedAtMs = this.now();
      this.sink(result, sourceProblem);
    }
  }
}
