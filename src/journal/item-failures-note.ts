/**
 * Notes the journal attaches to a `batchItemFailures` answer Lambda does not act on as sent (spec §3.4), so that a
 * test author sees at once why their partial response changed nothing, or failed the whole batch.
 */

/** The mapping does not list ReportBatchItemFailures: Lambda ignores the answer and the batch succeeds. */
export const IGNORED_WITHOUT_REPORT_BATCH_ITEM_FAILURES =
  "ignored: the mapping's FunctionResponseTypes does not include ReportBatchItemFailures, so Lambda ignores batchItemFailures and counts the whole batch as a success";

/** A response with an unusable entry (an identifier not in the batch, empty, missing): the whole batch failed. */
export function invalidItemFailuresNote(reason: string): string {
  return `${reason}: Lambda does not use such a response and counts the whole batch as failed`;
}

/** Whether a successful answer carries a non-empty `batchItemFailures` list (what Lambda ignores without the setting). */
export function hasItemFailures(payload: string): boolean {
  if (!payload.includes('batchItemFailures')) return false;
  try {
    const response = JSON.parse(payload) as unknown;
    if (typeof response !== 'object' || response === null || Array.isArray(response)) return false;
    const failures = (response as Record<string, unknown>).batchItemFailures;
    return Array.isArray(failures) && failures.length > 0;
  } catch {
    return false;
  }
}
