/**
 * Lambda's synchronous invoke payload limit: 6 MB, counted over the whole event JSON (spec §3.1, §6.4).
 * Pollers cut batches so that `{"Records":[…]}` never exceeds it.
 */
export const MAX_INVOKE_PAYLOAD_BYTES = 6_291_456;

/** Bytes of `{"Records":[]}` around the records. */
export const RECORDS_ENVELOPE_BYTES = Buffer.byteLength('{"Records":[]}');

/** Size a record adds to the event: its JSON plus the separating comma. */
export function recordPayloadBytes(recordJson: string): number {
  return Buffer.byteLength(recordJson) + 1;
}
