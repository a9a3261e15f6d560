/**
 * Stream sequence numbers are decimal strings of up to 128 bits (Kinesis) or padded with leading zeros
 * (DynamoDB Local), so they compare as big integers, never as strings or JavaScript numbers.
 */

/** −1, 0 or 1 as `a` is below, equal to or above `b` numerically. */
export function compareSequenceNumbers(a: string, b: string): -1 | 0 | 1 {
  const left = BigInt(a);
  const right = BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** True when `value` is a non-empty string of decimal digits. */
export function isSequenceNumber(value: string): boolean {
  return /^[0-9]+$/.test(value);
}
