/**
 * The processing status of one mapping as the management API reports it (`LastProcessingResult`).
 * Pollers write it after each batch; it lives in memory of the process that runs the batches.
 */
export const NO_RECORDS_PROCESSED = 'No records processed';
export const PROCESSING_OK = 'OK';
export const PROBLEM_FUNCTION_CALL_FAILED = 'PROBLEM: Function call failed';
/** A stream record could not be turned into an event (it was given up as an exhausted record). */
export const PROBLEM_EVENT_BUILD_FAILED = 'PROBLEM: Record could not be converted to an event';

export class MappingStatus {
  lastProcessingResult: string = NO_RECORDS_PROCESSED;

  /** Records the outcome of the latest batch. */
  record(result: string): void {
    this.lastProcessingResult = result;
  }
}
