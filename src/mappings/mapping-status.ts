/**
 * The processing status of one mapping as the management API reports it (`LastProcessingResult`).
 * Pollers write it after each batch; it is shared with the fleet through a sink (the mapping store), written
 * when it changes and refreshed now and then, so the API answers the same on every replica.
 */
export const NO_RECORDS_PROCESSED = 'No records processed';
export const PROCESSING_OK = 'OK';
export const PROBLEM_FUNCTION_CALL_FAILED = 'PROBLEM: Function call failed';

/** A source refused the mapping or could not be read: `PROBLEM: <what>`. */
export function sourceProblem(message: string): string {
  return `PROBLEM: ${message}`;
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
