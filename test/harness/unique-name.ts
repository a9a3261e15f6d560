import { randomBytes } from 'node:crypto';

/**
 * A short name unique across parallel test files and runs: `<prefix>-<12 base-36 characters>`. Only
 * letters, digits, `-` and `_`, so it is valid as an SQS queue name (append `.fifo` yourself), a Kinesis
 * stream, a DynamoDB table, an SNS topic, an S3 bucket (when the prefix is lower case) and a Redis prefix.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  const suffix = BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36).padStart(13, '0').slice(-12);
  return clean ? `${clean}-${suffix}` : suffix;
}
